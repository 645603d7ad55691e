package hal_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/hal"
	"github.com/ivrbox/ivrbox/hal/haltest"
)

const ms = time.Millisecond

// run advances clk timer by timer until it reaches until (since Epoch),
// waiting for the blinker to re-arm after each step.
func run(t *testing.T, clk *haltest.Clock, until time.Duration) {
	t.Helper()
	for {
		if !clk.WaitTimers(1) {
			t.Fatalf("no timer pending at %v", clk.Since())
		}
		d, _ := clk.Next()
		if clk.Since()+d > until {
			return
		}
		clk.Advance(d)
	}
}

func changes(on ...any) []haltest.Change {
	var out []haltest.Change
	for i := 0; i < len(on); i += 2 {
		out = append(out, haltest.Change{At: on[i].(time.Duration), On: on[i+1].(bool)})
	}
	return out
}

func TestBlinkerTimeline(t *testing.T) {
	cases := []struct {
		p     hal.Pattern
		until time.Duration
		want  []haltest.Change
	}{
		{hal.SlowBlink, 2000 * ms, changes(0*ms, true, 500*ms, false, 1000*ms, true, 1500*ms, false, 2000*ms, true)},
		{hal.FastBlink, 400 * ms, changes(0*ms, true, 100*ms, false, 200*ms, true, 300*ms, false, 400*ms, true)},
		{hal.Heartbeat, 2000 * ms, changes(0*ms, true, 100*ms, false, 200*ms, true, 300*ms, false,
			1000*ms, true, 1100*ms, false, 1200*ms, true, 1300*ms, false, 2000*ms, true)},
		{hal.DoubleBlink, 2000 * ms, changes(0*ms, true, 200*ms, false, 400*ms, true, 600*ms, false, 2000*ms, true)},
		{hal.TripleBlink, 2000 * ms, changes(0*ms, true, 200*ms, false, 400*ms, true, 600*ms, false,
			800*ms, true, 1000*ms, false, 2000*ms, true)},
		{hal.Flash, 4000 * ms, changes(0*ms, true, 100*ms, false, 2000*ms, true, 2100*ms, false, 4000*ms, true)},
	}
	for _, tc := range cases {
		t.Run(tc.p.Name(), func(t *testing.T) {
			defer haltest.CheckGoroutines(t)()
			clk := haltest.NewClock()
			led := haltest.NewLED("x", clk)
			b := hal.NewBlinker(led, hal.BlinkerOptions{Clock: clk})
			defer b.Close()
			if !led.WaitChanges(1) { // the initial off
				t.Fatal("no initial write")
			}
			b.Set(tc.p)
			run(t, clk, tc.until)
			got := led.Changes()[1:]
			if !slices.Equal(got, tc.want) {
				t.Errorf("timeline\n got %v\nwant %v", got, tc.want)
			}
			if st := b.State(); st.Pattern != tc.p.Name() || st.Name != "x" || st.On != true {
				t.Errorf("state %+v", st)
			}
		})
	}
}

func TestBlinkerSteadyAndSwitch(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	clk := haltest.NewClock()
	led := haltest.NewLED("x", clk)
	b := hal.NewBlinker(led, hal.BlinkerOptions{Clock: clk})
	if !led.WaitChanges(1) { // the initial off
		t.Fatal("no initial write")
	}
	b.Set(hal.On)
	if !led.WaitPattern("on") || !led.WaitChanges(2) {
		t.Fatal("on not shown")
	}
	if !clk.WaitTimers(0) {
		t.Fatal("steady pattern keeps a timer")
	}
	// Setting the running pattern again does not restart it.
	b.Set(hal.Heartbeat)
	run(t, clk, 250*ms) // on 0, off 100, on 200
	n := len(led.Changes())
	b.Set(hal.Heartbeat)
	b.Set(hal.Heartbeat)
	run(t, clk, 1000*ms) // off 300, on 1000
	got := led.Changes()[n:]
	want := changes(300*ms, false, 1000*ms, true)
	if !slices.Equal(got, want) {
		t.Errorf("after re-Set: got %v want %v", got, want)
	}
	// Switching restarts at step 0 at once.
	clk.Advance(50 * ms)
	b.Set(hal.Off)
	if !led.WaitPattern("off") || !clk.WaitTimers(0) {
		t.Fatal("off not shown")
	}
	if led.On() {
		t.Error("LED on after Off")
	}
	b.Set(hal.On)
	if !led.WaitPattern("on") {
		t.Fatal("on not shown")
	}
	_ = b.Close()
	_ = b.Close()
	b.Set(hal.FastBlink) // after Close: ignored
	if led.On() || led.PatternName() != "off" {
		t.Errorf("after Close: on=%v pattern=%s", led.On(), led.PatternName())
	}
}

func TestBlinkerCatchesUp(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	clk := haltest.NewClock()
	led := haltest.NewLED("x", clk)
	b := hal.NewBlinker(led, hal.BlinkerOptions{Clock: clk})
	defer b.Close()
	b.Set(hal.SlowBlink)
	if !clk.WaitTimers(1) {
		t.Fatal("no timer")
	}
	clk.Advance(10 * time.Second) // the box stalled for 10 s
	if !clk.WaitTimers(1) {
		t.Fatal("no timer after stall")
	}
	if d, _ := clk.Next(); d != 500*ms {
		t.Errorf("after a stall the next step is due in %v, want a fresh 500ms", d)
	}
}

// logCounter counts log records by level.
type logCounter struct {
	mu sync.Mutex
	n  map[slog.Level]int
}

func (h *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *logCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n[r.Level]++
	return nil
}
func (h *logCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logCounter) WithGroup(string) slog.Handler      { return h }
func (h *logCounter) count(l slog.Level) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[l]
}

func TestBlinkerWriteErrorsLoggedOnce(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	clk := haltest.NewClock()
	led := haltest.NewLED("x", clk)
	h := &logCounter{n: map[slog.Level]int{}}
	b := hal.NewBlinker(led, hal.BlinkerOptions{Clock: clk, Log: slog.New(h)})
	defer b.Close()
	if !led.WaitChanges(1) {
		t.Fatal("no initial write")
	}
	led.Fail(haltest.ErrFake)
	b.Set(hal.FastBlink)
	run(t, clk, time.Second)
	if got := h.count(slog.LevelWarn); got != 1 {
		t.Errorf("%d warnings for a failing LED, want 1", got)
	}
	led.Fail(nil)
	run(t, clk, 1200*ms)
	if got := h.count(slog.LevelInfo); got != 1 {
		t.Errorf("%d recoveries logged, want 1", got)
	}
}

func TestPatterns(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range hal.Patterns() {
		if seen[p.Name()] {
			t.Errorf("duplicate pattern %s", p)
		}
		seen[p.Name()] = true
		q, ok := hal.PatternByName(p.Name())
		if !ok || !q.Equal(p) {
			t.Errorf("PatternByName(%s)", p)
		}
		if !p.Steady() && p.Period() <= 0 {
			t.Errorf("%s: period %v", p, p.Period())
		}
	}
	if (hal.Pattern{}).Name() != "off" || !(hal.Pattern{}).Equal(hal.Off) {
		t.Error("zero Pattern is not off")
	}
	if hal.Heartbeat.Period() != time.Second || hal.DoubleBlink.Period() != 2*time.Second ||
		hal.TripleBlink.Period() != 2*time.Second || hal.Flash.Period() != 2*time.Second {
		t.Error("periods changed: update docs/BOARD.md")
	}
	if _, err := hal.NewPattern("bad", hal.Step{On: true, For: ms}, hal.Step{For: ms}); err == nil {
		t.Error("1 ms steps accepted")
	}
	if _, err := hal.NewPattern(""); err == nil {
		t.Error("empty pattern accepted")
	}
	p, err := hal.NewPattern("sos", hal.Step{On: true, For: 100 * ms}, hal.Step{For: 100 * ms})
	if err != nil || p.Name() != "sos" || p.Period() != 200*ms {
		t.Errorf("NewPattern: %v %v", p, err)
	}
	steps := p.Steps()
	steps[0].For = time.Hour
	if p.Period() != 200*ms {
		t.Error("Steps exposes the pattern's storage")
	}
}
