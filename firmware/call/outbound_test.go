package call

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/route"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/firmware/sip/siptest"
	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/stream"
)

// farEnd is a SIP server playing a trunk: it answers (or refuses with
// status) every INVITE and records the numbers dialled.
type farEnd struct {
	srv    *sip.Server
	media  *stream.Engine
	status int // 0: answer

	mu     sync.Mutex
	dialed []string
	ended  chan string // the dialled number when the call ends
}

func startFarEnd(t *testing.T, status int) *farEnd {
	t.Helper()
	f := &farEnd{status: status, ended: make(chan string, 8)}
	var err error
	f.media, err = stream.NewEngine(stream.Options{PortLow: 31000, PortHigh: 31999})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = siptest.Start(t, sip.HandlerFunc(f.handle), nil)
	t.Cleanup(func() { _ = f.media.Close() })
	return f
}

func (f *farEnd) handle(ctx context.Context, d *sip.Dialog) {
	f.mu.Lock()
	f.dialed = append(f.dialed, d.To())
	f.mu.Unlock()
	if f.status != 0 {
		_ = d.Reject(f.status, "")
		return
	}
	_ = d.Ringing()
	m, err := sdp.Negotiate(d.Offer(), []uint8{0, 8})
	if err != nil {
		_ = d.Reject(488, "")
		return
	}
	st, err := f.media.Open(stream.Config{Remote: m.Addr, Codec: stream.PCMU})
	if err != nil {
		_ = d.Reject(503, "")
		return
	}
	defer st.Close()
	local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(st.LocalPort()))
	_, _ = d.Answer(ctx, sdp.Answer(local, m, 1, 1)) // a BYE may overtake the ACK
	<-d.Done()
	f.ended <- d.To()
}

// fakeRunner is an IVR engine stand-in: it answers and waits for the end or
// a transfer request.
type fakeRunner struct {
	moves chan string
	calls sync.Map // id → *Call
}

func (r *fakeRunner) Has(number string) bool { return number == "6500" || number == "6502" }

func (r *fakeRunner) Run(ctx context.Context, c *Control, number string) error {
	r.calls.Store(c.ID(), c)
	if err := c.Answer(ctx); err != nil {
		return err
	}
	for {
		select {
		case <-c.Done():
			return nil
		case to := <-r.moves:
			if r.Has(to) {
				continue
			}
			return c.Transfer(ctx, to)
		}
	}
}

func (r *fakeRunner) Transfer(callID, number string) error {
	if _, ok := r.calls.Load(callID); !ok {
		return errors.New("not running")
	}
	r.moves <- number
	return nil
}

// accounts is a registrar's account list for tests.
type accounts map[string]string

func (a accounts) Password(user string) (string, bool) { p, ok := a[user]; return p, ok }

type rig struct {
	box *sip.Server
	m   *Manager
	bus *event.Bus
	sub *event.Subscription
	far *farEnd
}

func newRig(t *testing.T, farStatus int) *rig {
	t.Helper()
	far := startFarEnd(t, farStatus)
	cfg := config.Config{
		Trunks:         []config.Trunk{{Name: "t1", Type: config.TrunkPeer, Host: far.srv.Addr().String()}},
		Accounts:       []config.Account{{Ext: "1000", OutboundRoutes: []string{"out"}}, {Ext: "1001"}},
		OutboundRoutes: []config.OutboundRoute{{Name: "out", Patterns: []string{"_1XXX."}, Trunks: []string{"t1"}, Strip: 1}},
	}
	media, err := stream.NewEngine(stream.Options{PortLow: 32000, PortHigh: 32999})
	if err != nil {
		t.Fatal(err)
	}
	bus := event.NewBus(nil)
	sub := bus.Subscribe(256)
	m := NewManager(Options{Media: media, Bus: bus, Log: slog.New(slog.NewTextHandler(t.Output(), nil)), Config: func() *config.Config { return &cfg },
		Prompts: prompt.New(prompt.Options{Builtin: fstest.MapFS{}})})
	r := &fakeRunner{moves: make(chan string, 1)}
	m.SetRunner(r)
	m.SetMover(r)
	box := siptest.Start(t, m, nil)
	box.SetRegistrar(accounts{"1001": "secret"})
	m.SetDialer(box)
	t.Cleanup(func() { _ = m.Close(); _ = media.Close(); sub.Close() })
	return &rig{box: box, m: m, bus: bus, sub: sub, far: far}
}

// answered places a call through IVR 6500 to 110086 as account 1000 and
// waits until it is answered.
func (r *rig) answered(t *testing.T) Info {
	t.Helper()
	info, err := r.m.DialIVR(context.Background(), "6500", "110086", "1000")
	if err != nil {
		t.Fatal(err)
	}
	r.next(t, event.CallAnswered, info.ID)
	return info
}

// next waits for the next event of kind for call id, skipping others.
func (r *rig) next(t *testing.T, kind event.Kind, id string) event.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-r.sub.C():
			if e.Kind == kind && e.CallID == id {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event for %s", kind, id)
		}
	}
}

func TestDialIVRAnsweredThenHungUpByAPI(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	info, err := r.m.DialIVR(ctx, "6500", "110086", "1000")
	if err != nil {
		t.Fatal(err)
	}
	if info.Dir != event.Outbound || info.From != "6500" || info.To != "110086" || info.Trunk != "t1" || info.Leg == "" {
		t.Fatalf("info %+v", info)
	}
	st := r.next(t, event.CallStarted, info.ID)
	if st.Call == nil || st.Call.Leg != info.Leg || st.Call.Trunk != "t1" {
		t.Errorf("started %+v", st)
	}
	r.next(t, event.CallRinging, info.ID)
	r.next(t, event.CallAnswered, info.ID)
	if got, ok := r.m.Lookup(info.Leg); !ok || got.State != StateAnswered {
		t.Errorf("lookup by leg: %+v %v", got, ok)
	}
	if err := r.m.Hangup(ctx, info.Leg, ""); err != nil {
		t.Fatal(err)
	}
	end := r.next(t, event.CallEnded, info.ID)
	if end.Cause != CauseAPI {
		t.Errorf("cause %q, want api", end.Cause)
	}
	select {
	case n := <-r.far.ended:
		if n != "10086" {
			t.Errorf("far end was dialled %q, want 10086 (strip 1)", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("far end never saw the BYE")
	}
}

func TestDialIVRRefusals(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	for _, tc := range []struct {
		ivr, number, ext string
		want             error
	}{
		{"6599", "110086", "1000", ErrUnknownIVR},
		{"6500", "110086", "1001", route.ErrNotAllowed},
		{"6500", "110086", "9999", route.ErrUnknownAccount},
		{"6500", "5", "1000", route.ErrNoRoute},
	} {
		if _, err := r.m.DialIVR(ctx, tc.ivr, tc.number, tc.ext); !errors.Is(err, tc.want) {
			t.Errorf("DialIVR(%s, %s, %s): %v, want %v", tc.ivr, tc.number, tc.ext, err, tc.want)
		}
	}
	r.m.SetDraining(true)
	if _, err := r.m.DialIVR(ctx, "6500", "110086", "1000"); !errors.Is(err, ErrShutdown) {
		t.Errorf("DialIVR while draining: %v, want %v", err, ErrShutdown)
	}
	r.m.SetDraining(false)
	if n := len(r.m.Calls()); n != 0 {
		t.Errorf("%d calls after refusals", n)
	}
}

func TestDialIVRBusy(t *testing.T) {
	r := newRig(t, 486)
	info, err := r.m.DialIVR(context.Background(), "6500", "110086", "1000")
	if err != nil {
		t.Fatal(err)
	}
	end := r.next(t, event.CallEnded, info.ID)
	if end.Cause != CauseBusy || end.Status != 486 || end.Reason != "486 Busy Here" {
		t.Errorf("ended %+v", end)
	}
}

func TestTransferBridgesAndRefuses(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	info := r.answered(t)
	if err := r.m.Transfer(ctx, info.Leg, "777", "1000"); !errors.Is(err, route.ErrNoRoute) {
		t.Errorf("transfer to 777: %v, want no route", err)
	}
	if err := r.m.Transfer(ctx, info.Leg, "12345", "1001"); !errors.Is(err, route.ErrNotAllowed) {
		t.Errorf("transfer as 1001: %v, want not allowed", err)
	}
	if err := r.m.Transfer(ctx, "nope", "12345", "1000"); !errors.Is(err, ErrUnknownCall) {
		t.Errorf("transfer of unknown call: %v", err)
	}
	if err := r.m.Transfer(ctx, info.ID, "12345", "1000"); err != nil {
		t.Fatal(err)
	}
	tr := r.next(t, event.CallTransferred, info.ID)
	if tr.Call.Bridged != "12345" || tr.Call.BridgedTrunk != "t1" || tr.Call.BridgedLeg == "" {
		t.Errorf("transferred %+v", tr)
	}
	if got, _ := r.m.Lookup(info.ID); got.Bridged != "12345" {
		t.Errorf("bridged %q", got.Bridged)
	}
	if err := r.m.Hangup(ctx, info.ID, ""); err != nil {
		t.Fatal(err)
	}
	r.next(t, event.CallEnded, info.ID)
	got := map[string]bool{}
	for range 2 {
		select {
		case n := <-r.far.ended:
			got[n] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("far end saw %v end, want both legs", got)
		}
	}
	if !got["10086"] || !got["2345"] {
		t.Errorf("legs ended: %v", got)
	}
}

func TestTransferToRegisteredAccount(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	info := r.answered(t)
	if err := r.m.Transfer(ctx, info.ID, "1001", ""); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("transfer to unregistered 1001: %v", err)
	}
	reg := r.far.srv.Register(ctx, sip.RegisterOptions{Registrar: r.box.Addr().String(), User: "1001", Password: "secret"})
	defer reg.Close()
	deadline := time.Now().Add(5 * time.Second)
	for reg.State().Status != sip.RegRegistered {
		if time.Now().After(deadline) {
			t.Fatalf("registration: %+v", reg.State())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.m.Transfer(ctx, info.ID, "1001", ""); err != nil {
		t.Fatal(err)
	}
	if tr := r.next(t, event.CallTransferred, info.ID); tr.Call.Bridged != "1001" || tr.Call.BridgedTrunk != "" {
		t.Errorf("transferred %+v", tr)
	}
	r.far.mu.Lock()
	dialed := append([]string(nil), r.far.dialed...)
	r.far.mu.Unlock()
	if len(dialed) != 2 || dialed[1] != "1001" {
		t.Errorf("far end dialled %v", dialed)
	}
}
