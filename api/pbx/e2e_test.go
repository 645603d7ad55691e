package pbx

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/outbox"
)

// appServer is the integrator's server: it records each event it accepts,
// refusing the first refuse requests with 503.
type appServer struct {
	mu     sync.Mutex
	refuse int
	bodies []string
	calls  []string // X-Ivrbox-Call-Id
	ids    []uint64 // X-Ivrbox-Event-Id
	badSig int
	secret string
}

func (s *appServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse > 0 {
		s.refuse--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	id, _ := strconv.ParseUint(r.Header.Get(outbox.HeaderEventID), 10, 64)
	ts, _ := strconv.ParseInt(r.Header.Get(outbox.HeaderTimestamp), 10, 64)
	if outbox.Sign(s.secret, ts, id, body) != r.Header.Get(outbox.HeaderSignature) {
		s.badSig++
	}
	if n := len(s.ids); n > 0 && s.ids[n-1] == id {
		return // a duplicate of the last one: already have it
	}
	s.bodies = append(s.bodies, string(body))
	s.calls = append(s.calls, r.Header.Get(outbox.HeaderCallID))
	s.ids = append(s.ids, id)
}

func (s *appServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

// scriptedCalls is a call manager stand-in that publishes what a real one
// would on dial and transfer, and stamps every event with the call's
// snapshot as the real one does (Bus.Stamp).
type scriptedCalls struct {
	fakeCalls
	publish func(event.Event)
}

func (s *scriptedCalls) DialIVR(ctx context.Context, ivr, number, fromExt string) (call.Info, error) {
	c, err := s.fakeCalls.DialIVR(ctx, ivr, number, fromExt)
	if err == nil {
		s.publish(event.Event{Kind: event.CallStarted, CallID: c.ID})
	}
	return c, err
}

func (s *scriptedCalls) Transfer(ctx context.Context, id, number, fromExt string) error {
	c, _ := s.Lookup(id)
	if err := s.fakeCalls.Transfer(ctx, id, number, fromExt); err != nil {
		return err
	}
	s.publish(event.Event{Kind: event.CallTransferred, CallID: c.ID, IVR: number})
	s.publish(event.Event{Kind: event.IVREntered, CallID: c.ID, IVR: number})
	return nil
}

// stamp gives e the snapshot of its call, following its state.
func (s *scriptedCalls) stamp(e *event.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.calls {
		c := &s.calls[i]
		if c.ID != e.CallID {
			continue
		}
		switch e.Kind {
		case event.CallAnswered:
			c.State, c.Answered = call.StateAnswered, time.Now()
		case event.IVREntered:
			c.IVR = e.IVR
		}
		in := *c
		e.Call = &in
	}
}

// TestSeedStoryEndToEnd runs the seed's exam-booking story through the HTTP
// API, the event bus, a real outbox on a bbolt file and an app server that
// is down for its first requests, and checks every event in order.
func TestSeedStoryEndToEnd(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "box.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	app := &appServer{refuse: 2, secret: "k"}
	appSrv := httptest.NewServer(app)
	defer appSrv.Close()

	ob, err := outbox.New(db, outbox.Options{
		URL:       func() string { return appSrv.URL },
		Secret:    func() string { return app.secret },
		BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- ob.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runDone; err != nil {
			t.Errorf("outbox Run: %v", err)
		}
		_ = ob.Close()
	}()

	bus := event.NewBus(nil)
	calls := &scriptedCalls{}
	bus.Stamp(calls.stamp)
	a := New(Options{Calls: calls, Config: testConfig, Outbox: ob,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer a.Close()
	bus.Hook(a.Hook)
	calls.publish = func(e event.Event) { bus.Publish(e) }

	mux := http.NewServeMux()
	mux.Handle(Prefix, a.Handler())
	box := httptest.NewServer(mux)
	defer box.Close()
	post := func(name, token, body string) map[string]string {
		t.Helper()
		u := box.URL + Prefix + name
		if token != "" {
			u += "?token=" + token
		}
		resp, err := http.Post(u, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m["status"] != "Success" {
			t.Fatalf("%s: %v %v", name, m, err)
		}
		return m
	}

	tok := post("login", "", `{"username":"api","password":"`+md5hex(testPassword)+`","port":"8260"}`)["token"]
	callID := post("ivr/dial_outbound", tok, `{"ivrid":"6500","outto":"10086","fromext":"1000"}`)["callid"]
	pub := func(x event.Event) { x.CallID = callID; calls.publish(x) }
	pub(event.Event{Kind: event.CallRinging})
	pub(event.Event{Kind: event.CallAnswered})
	pub(event.Event{Kind: event.PromptFinished, IVR: "6500"})
	pub(event.Event{Kind: event.DTMFDigit, Digit: "1", Flag: 0})
	pub(event.Event{Kind: event.IVREntered, IVR: "6501"})
	pub(event.Event{Kind: event.PromptFinished, IVR: "6501"})
	for i, d := range []string{"5", "6", "7", "8", "9", "#"} {
		pub(event.Event{Kind: event.DTMFDigit, Digit: d, Flag: i + 1})
	}
	pub(event.Event{Kind: event.DTMFString, Digits: "56789", Terminator: "#"})
	// The app server checks 56789 and moves the call to the success IVR.
	if got := post("outbound/transfer_number", tok, `{"outboundid":"1552976047.58","number":"6502"}`)["callid"]; got != callID {
		t.Fatalf("transfer answered callid %q, want %q", got, callID)
	}
	pub(event.Event{Kind: event.PromptFinished, IVR: "6502"})
	pub(event.Event{Kind: event.CallEnded, Cause: "normal"})

	call := `"callid":"1552976047.56","call":[{"outbound":{"from":"6500","to":"10086","trunk":"192.168.9.121","outboundid":"1552976047.58"}}]`
	sn := `"sn":"368182384620"`
	dtmf := func(d, flag string) string {
		return `{"action":"DTMF",` + call + `,"info":"` + d + `","flag":"` + flag + `",` + sn + `}`
	}
	prompt := func(ivr string) string {
		return `{"action":"UserEvent","userevent":"PlayPromptEnd","ivrid":"` + ivr + `","Ivrid":"` + ivr + `",` + call + `,` + sn + `}`
	}
	want := []string{
		seedAlert, seedAnswered, prompt("6500"), dtmf("1", "0"), prompt("6501"),
		dtmf("5", "1"), dtmf("6", "2"), dtmf("7", "3"), dtmf("8", "4"), dtmf("9", "5"), dtmf("#", "6"),
		`{"action":"DTMF",` + call + `,"infos":"56789",` + sn + `}`,
		`{"action":"UserEvent","userevent":"DtmfEndString","info":"56789#","Info":"56789#",` + call + `,` + sn + `}`,
		`{"action":"Tranfer","callid":"1552976047.56","call":[{"outbound":{"from":"6500","to":"10086","trunk":"192.168.9.121","outboundid":"1552976047.58"}},{"ivr":{"ivrid":"6502"}}],` + sn + `}`,
		prompt("6502"),
		`{"action":"HANGUP",` + call + `,"cause":"normal",` + sn + `}`,
	}
	deadline := time.Now().Add(20 * time.Second)
	for app.count() < len(want) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	app.mu.Lock()
	defer app.mu.Unlock()
	checkBodies(t, app.bodies, want...)
	for i, c := range app.calls {
		if c != callID {
			t.Errorf("event %d: %s %q, want %q", i, outbox.HeaderCallID, c, callID)
		}
		if i > 0 && app.ids[i] <= app.ids[i-1] {
			t.Errorf("event %d: id %d after %d", i, app.ids[i], app.ids[i-1])
		}
	}
	if app.badSig != 0 {
		t.Errorf("%d requests with a bad signature", app.badSig)
	}
}
