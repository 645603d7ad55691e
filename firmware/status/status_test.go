package status

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/hal"
	"github.com/ivrbox/ivrbox/hal/haltest"
)

// box is a Status over fake LEDs (groups of 1, 2 and 3) and a fake button,
// with separate fake clocks for the LEDs and the button.
type box struct {
	t       *testing.T
	s       *Status
	groups  [][]*haltest.LED
	btn     *haltest.Button
	ledClk  *haltest.Clock
	btnClk  *haltest.Clock
	log     *records
	resets  chan struct{}
	shorts  chan State
	resetFn func(ctx context.Context) error
}

func newBox(t *testing.T, resetFn func(ctx context.Context) error) *box {
	b := &box{t: t, btn: haltest.NewButton("button"), ledClk: haltest.NewClock(), btnClk: haltest.NewClock(),
		log: &records{}, resets: make(chan struct{}, 4), shorts: make(chan State, 4)}
	var groups [][]hal.LED
	for _, n := range []int{1, 2, 3} {
		var g []*haltest.LED
		var hg []hal.LED
		for i := range n {
			l := haltest.NewLED(string(rune('a'+len(b.groups)))+string(rune('0'+i)), b.ledClk)
			g = append(g, l)
			hg = append(hg, l)
		}
		b.groups = append(b.groups, g)
		groups = append(groups, hg)
	}
	opt := Options{
		Groups: groups, Buttons: []hal.Button{b.btn}, Clock: b.ledClk, Log: slog.New(b.log),
		Addrs: func() ([]net.Addr, error) {
			var out []net.Addr
			for _, s := range []string{"127.0.0.1/8", "192.168.1.20/24", "fe80::1/64", "2001:db8::5/64", "::1/128"} {
				ip, n, _ := net.ParseCIDR(s)
				out = append(out, &net.IPNet{IP: ip, Mask: n.Mask})
			}
			return out, nil
		},
		OnShortPress: func(_ context.Context, st State) { b.shorts <- st },
		buttonClock:  b.btnClk,
	}
	if resetFn != nil {
		opt.OnFactoryReset = func(ctx context.Context) error {
			b.resets <- struct{}{}
			return resetFn(ctx)
		}
	}
	b.s = New(opt)
	return b
}

// expect waits until every group shows its row of Show(st) (or all).
func (b *box) expect(what string, rows func(n int) []hal.Pattern) {
	b.t.Helper()
	for _, g := range b.groups {
		want := rows(len(g))
		for i, l := range g {
			if !l.WaitPattern(want[i].Name()) {
				b.t.Fatalf("%s: LED %s shows %s, want %s", what, l.Name(), l.PatternName(), want[i])
			}
		}
	}
}

func (b *box) expectState(st State) {
	b.t.Helper()
	b.expect(fmtState(st), func(n int) []hal.Pattern { return Show(st, n) })
}

func (b *box) expectAll(p hal.Pattern) {
	b.t.Helper()
	b.expect("all "+p.Name(), func(n int) []hal.Pattern { return slices.Repeat([]hal.Pattern{p}, n) })
}

func fmtState(st State) string { return slog.GroupValue(st.LogValue().Group()...).String() }

// down presses the button and lets the debounce time pass.
func (b *box) down() {
	b.t.Helper()
	b.btn.Set(true)
	b.settle()
	if !b.btnClk.WaitNext(3 * time.Second) {
		b.t.Fatal("no hold timer after press")
	}
}

// up releases the button and lets the debounce time pass.
func (b *box) up() {
	b.t.Helper()
	b.btn.Set(false)
	b.settle()
}

func (b *box) settle() {
	b.t.Helper()
	if !b.btnClk.WaitNext(hal.DefaultDebounce) {
		b.t.Fatal("edge not seen")
	}
	reads := b.btn.Reads()
	b.btnClk.Advance(hal.DefaultDebounce)
	if !b.btn.WaitReads(reads + 1) {
		b.t.Fatal("level not sampled")
	}
}

// hold advances the button clock to the next deadline, due in d.
func (b *box) hold(d time.Duration) {
	b.t.Helper()
	if !b.btnClk.WaitNext(d) {
		next, _ := b.btnClk.Next()
		b.t.Fatalf("next button deadline in %v, want %v", next, d)
	}
	b.btnClk.Advance(d)
}

func TestStatusFollowsState(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	b := newBox(t, nil)
	var st State
	b.expectState(st) // booting
	steps := []func(){
		func() { b.s.SetReady(); st.Ready = true },
		func() { b.s.SetTrunk(TrunkDown); st.Trunk = TrunkDown },
		func() { b.s.SetTrunk(TrunkUp); st.Trunk = TrunkUp },
		func() { b.s.SetCalls(3); st.Calls = 3 },
		func() { b.s.SetDiskFault(true); st.DiskFault = true },
		func() { b.s.SetCalls(-1); st.Calls = 0 },
		func() { b.s.SetError(errors.New("boom")); st.Error = "boom" },
		func() { b.s.SetError(nil); st.Error = "" },
		func() { b.s.SetDiskFault(false); st.DiskFault = false },
		func() { b.s.SetBooting(); st.Ready = false },
		func() { st = State{Ready: true, Trunk: TrunkUp}; b.s.Update(st) },
	}
	for _, step := range steps {
		step()
		if got := b.s.State(); got != st {
			t.Fatalf("State() = %+v, want %+v", got, st)
		}
		b.expectState(st)
	}
	leds := b.s.LEDs()
	want := []string{"on", "on", "off", "on", "on", "off"} // groups of 1, 2, 3 when ready and registered
	if len(leds) != 6 {
		t.Fatalf("LEDs() = %v", leds)
	}
	for i, l := range leds {
		if l.Pattern != want[i] || l.Name != b.groups[0:][groupOf(i)][indexIn(i)].Name() {
			t.Errorf("LEDs()[%d] = %+v, want pattern %s", i, l, want[i])
		}
	}
	_ = b.s.Close()
	_ = b.s.Close()
	for _, g := range b.groups {
		for _, l := range g {
			if l.On() || l.PatternName() != "off" {
				t.Errorf("after Close %s: on=%v %s", l.Name(), l.On(), l.PatternName())
			}
		}
	}
	b.s.SetReady() // after Close: harmless
}

// groupOf and indexIn map a flat LED index to groups of 1, 2, 3.
func groupOf(i int) int { return []int{0, 1, 1, 2, 2, 2}[i] }
func indexIn(i int) int { return []int{0, 0, 1, 0, 1, 2}[i] }

func TestShortPress(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	b := newBox(t, nil)
	b.s.Update(State{Ready: true, Trunk: TrunkUp, Calls: 1})
	b.down()
	b.btnClk.Advance(time.Second)
	b.up()
	select {
	case st := <-b.shorts:
		if st != (State{Ready: true, Trunk: TrunkUp, Calls: 1}) {
			t.Errorf("OnShortPress got %+v", st)
		}
	case <-time.After(haltest.WaitTimeout):
		t.Fatal("OnShortPress not called")
	}
	_ = b.s.Close()
	r, ok := b.log.find("button: status")
	if !ok {
		t.Fatal("no status report logged")
	}
	if got, want := r["addrs"], "[192.168.1.20 2001:db8::5]"; got != want {
		t.Errorf("addrs %s, want %s", got, want)
	}
	if got := r["state.calls"]; got != "1" {
		t.Errorf("state.calls %q in %v", got, r)
	}
}

func TestFactoryReset(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	errReset := errors.New("wipe failed")
	b := newBox(t, func(context.Context) error { return errReset })
	st := State{Ready: true, Trunk: TrunkUp}
	b.s.Update(st)
	b.expectState(st)
	b.down()
	b.hold(3 * time.Second)
	b.expectAll(hal.FastBlink) // warning
	b.hold(7 * time.Second)
	select {
	case <-b.resets:
	case <-time.After(haltest.WaitTimeout):
		t.Fatal("OnFactoryReset not called")
	}
	// The reset failed: back to showing the state, with the error logged.
	b.expectState(st)
	b.up()
	_ = b.s.Close()
	if _, ok := b.log.find("factory reset failed"); !ok {
		t.Error("failure not logged")
	}
}

func TestFactoryResetShowsAllOnAndCloseCancels(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	b := newBox(t, func(ctx context.Context) error {
		<-ctx.Done() // a reset that takes until the box stops
		return ctx.Err()
	})
	b.s.SetReady()
	b.down()
	b.hold(3 * time.Second)
	b.hold(7 * time.Second)
	<-b.resets
	b.expectAll(hal.On)
	b.s.SetCalls(1) // state changes do not disturb the reset display
	b.expectAll(hal.On)
	done := make(chan struct{})
	go func() { _ = b.s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(haltest.WaitTimeout):
		t.Fatal("Close did not cancel the reset")
	}
}

func TestCancelledHold(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	b := newBox(t, func(context.Context) error { return nil })
	st := State{Ready: true, Trunk: TrunkDown}
	b.s.Update(st)
	b.down()
	b.hold(3 * time.Second)
	b.expectAll(hal.FastBlink)
	b.btnClk.Advance(4 * time.Second)
	b.up()
	b.expectState(st)
	b.btnClk.Advance(time.Minute)
	_ = b.s.Close()
	select {
	case <-b.resets:
		t.Fatal("reset after letting go at 7 s")
	default:
	}
	if _, ok := b.log.find("factory reset cancelled"); !ok {
		t.Error("cancel not logged")
	}
}

func TestLongHoldWithoutHandler(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	b := newBox(t, nil)
	b.s.SetReady()
	b.down()
	b.hold(3 * time.Second)
	b.hold(7 * time.Second)
	if _, ok := b.log.find("button: factory reset requested, but this box has no reset handler"); !ok {
		t.Error("missing handler not logged")
	}
	b.expectState(State{Ready: true})
	_ = b.s.Close()
}

func TestNoHardware(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	s := New(Options{})
	s.SetReady()
	s.SetCalls(2)
	if len(s.LEDs()) != 0 || s.State().Calls != 2 {
		t.Error(s.LEDs(), s.State())
	}
	_ = s.Close()
}

// records is a slog handler that keeps every record's message and
// attributes (flattened "group.key" → value).
type records struct {
	mu   sync.Mutex
	recs []map[string]string
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }

func (h *records) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"msg": r.Message}
	var add func(prefix string, a slog.Attr)
	add = func(prefix string, a slog.Attr) {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindGroup {
			for _, g := range v.Group() {
				add(prefix+a.Key+".", g)
			}
			return
		}
		m[prefix+a.Key] = v.String()
	}
	r.Attrs(func(a slog.Attr) bool { add("", a); return true })
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, m)
	return nil
}

// find waits for a record with message msg.
func (h *records) find(msg string) (map[string]string, bool) {
	deadline := time.Now().Add(haltest.WaitTimeout)
	for {
		h.mu.Lock()
		for _, r := range h.recs {
			if r["msg"] == msg {
				h.mu.Unlock()
				return r, true
			}
		}
		h.mu.Unlock()
		if time.Now().After(deadline) {
			return nil, false
		}
		time.Sleep(time.Millisecond)
	}
}
