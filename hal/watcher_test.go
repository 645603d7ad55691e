package hal_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/hal"
	"github.com/ivrbox/ivrbox/hal/haltest"
)

// rig is a watcher on a fake button and clock that records events.
type rig struct {
	t   *testing.T
	clk *haltest.Clock
	btn *haltest.Button
	w   *hal.Watcher
	ev  chan hal.Event
}

func newRig(t *testing.T, pressedAtStart bool) *rig {
	r := &rig{t: t, clk: haltest.NewClock(), btn: haltest.NewButton("button"), ev: make(chan hal.Event, 32)}
	if pressedAtStart {
		r.btn.Set(true)
		<-r.btn.Edges()
	}
	r.w = hal.NewWatcher(r.btn, hal.WatcherOptions{Clock: r.clk, On: func(e hal.Event) { r.ev <- e }})
	t.Cleanup(func() { _ = r.w.Close() })
	return r
}

// set changes the level and waits until the watcher restarted its debounce.
func (r *rig) set(pressed bool) {
	r.t.Helper()
	r.btn.Set(pressed)
	if !r.clk.WaitNext(hal.DefaultDebounce) {
		r.t.Fatalf("watcher did not see the edge at %v", r.clk.Since())
	}
}

// advance moves the clock and waits for the watcher to re-arm (n timers).
func (r *rig) advance(d time.Duration, timers int) {
	r.t.Helper()
	r.clk.Advance(d)
	if !r.clk.WaitTimers(timers) {
		r.t.Fatalf("at %v: want %d timers, have %d", r.clk.Since(), timers, r.clk.Timers())
	}
}

// settle lets the debounce time pass, waits until the watcher sampled the
// level, and then until it armed n timers.
func (r *rig) settle(timers int) {
	r.t.Helper()
	reads := r.btn.Reads()
	r.clk.Advance(hal.DefaultDebounce)
	if !r.btn.WaitReads(reads + 1) {
		r.t.Fatalf("at %v: the watcher did not sample the level", r.clk.Since())
	}
	if !r.clk.WaitTimers(timers) {
		r.t.Fatalf("at %v: want %d timers, have %d", r.clk.Since(), timers, r.clk.Timers())
	}
}

// expect checks the events received so far.
func (r *rig) expect(want ...hal.Event) {
	r.t.Helper()
	var got []hal.Event
	for range want {
		select {
		case e := <-r.ev:
			got = append(got, e)
		case <-time.After(haltest.WaitTimeout):
		}
	}
	select {
	case e := <-r.ev:
		got = append(got, e)
	default:
	}
	if !slices.Equal(got, want) {
		r.t.Errorf("at %v events\n got %v\nwant %v", r.clk.Since(), got, want)
	}
}

func ev(g hal.Gesture, held time.Duration) hal.Event {
	return hal.Event{Button: "button", Gesture: g, Held: held}
}

func TestWatcherShortPress(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	r := newRig(t, false)
	r.set(true)
	r.settle(1) // debounced: down; warn timer armed
	r.expect(ev(hal.Down, 0))
	r.clk.Advance(500 * ms)
	r.set(false)
	r.settle(0)
	r.expect(ev(hal.Short, 530*ms))
	_ = r.w.Close()
}

func TestWatcherDebounce(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	r := newRig(t, false)
	// Contact bounce: four edges within 30 ms give one press.
	r.set(true)
	r.advance(5*ms, 1)
	r.set(false)
	r.advance(10*ms, 1)
	r.set(true)
	r.advance(8*ms, 1)
	r.set(false)
	r.advance(2*ms, 1)
	r.set(true)
	r.settle(1)
	r.expect(ev(hal.Down, 0))
	r.clk.Advance(200 * ms)
	// Release with bounce.
	r.set(false)
	r.advance(3*ms, 1)
	r.set(true)
	r.advance(3*ms, 1)
	r.set(false)
	r.settle(0)
	r.expect(ev(hal.Short, 236*ms))
	// A glitch shorter than the debounce time is nothing.
	r.set(true)
	r.advance(10*ms, 1)
	r.set(false)
	r.settle(0)
	r.expect()
	_ = r.w.Close()
}

func TestWatcherLongPress(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	r := newRig(t, false)
	r.set(true)
	r.settle(1)
	r.expect(ev(hal.Down, 0))
	r.advance(2999*ms, 1)
	r.expect()
	r.advance(1*ms, 1)
	r.expect(ev(hal.Warn, 3*time.Second))
	r.advance(7*time.Second-1*ms, 1)
	r.expect()
	r.advance(1*ms, 0)
	r.expect(ev(hal.Long, 10*time.Second))
	r.clk.Advance(5 * time.Second) // still held: nothing more
	r.set(false)
	r.settle(0)
	r.expect(ev(hal.Release, 15*time.Second+30*ms))
	_ = r.w.Close()
}

func TestWatcherCancel(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	r := newRig(t, false)
	r.set(true)
	r.settle(1)
	r.advance(3*time.Second, 1)
	r.expect(ev(hal.Down, 0), ev(hal.Warn, 3*time.Second))
	r.clk.Advance(6 * time.Second) // released before 10 s
	r.set(false)
	r.settle(0) // no long-press timer left
	r.expect(ev(hal.Cancel, 9*time.Second+30*ms))
	r.clk.Advance(time.Minute)
	r.expect()
	// The next press starts afresh.
	r.set(true)
	r.settle(1)
	r.set(false)
	r.settle(0)
	r.expect(ev(hal.Down, 0), ev(hal.Short, 30*ms))
	_ = r.w.Close()
}

func TestWatcherIgnoresButtonHeldAtStart(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	r := newRig(t, true)
	if !r.clk.WaitTimers(0) {
		t.Fatal("timer armed for a stuck button")
	}
	r.clk.Advance(time.Minute)
	r.set(false)
	r.settle(0)
	r.expect()
	r.set(true)
	r.settle(1)
	r.expect(ev(hal.Down, 0))
	_ = r.w.Close()
	_ = r.w.Close()
}

func TestWatcherRecoversHandlerPanic(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	clk := haltest.NewClock()
	btn := haltest.NewButton("button")
	got := make(chan hal.Gesture, 8)
	w := hal.NewWatcher(btn, hal.WatcherOptions{Clock: clk, On: func(e hal.Event) {
		got <- e.Gesture
		if e.Gesture == hal.Down {
			panic("boom")
		}
	}})
	defer w.Close()
	wait := func(want hal.Gesture) {
		t.Helper()
		select {
		case g := <-got:
			if g != want {
				t.Errorf("got %v want %v", g, want)
			}
		case <-time.After(haltest.WaitTimeout):
			t.Fatalf("no %v", want)
		}
	}
	btn.Set(true)
	clk.WaitNext(30 * ms)
	clk.Advance(30 * ms)
	wait(hal.Down) // the handler panics here
	btn.Set(false)
	clk.WaitNext(30 * ms)
	clk.Advance(30 * ms)
	wait(hal.Short) // the watcher survived
}

func TestGestureString(t *testing.T) {
	if hal.Long.String() != "long" || hal.Gesture(99).String() != "gesture(99)" {
		t.Error(hal.Long, hal.Gesture(99))
	}
}

type fakeDriver struct{ name string }

func (d fakeDriver) Name() string                          { return d.name }
func (d fakeDriver) Open(hal.Config) (*hal.Devices, error) { return hal.NewDevices(nil, nil, nil), nil }

var registered int // makes driver names unique under -count

func TestRegistry(t *testing.T) {
	registered++
	name := fmt.Sprintf("test-fake-%d", registered)
	if err := hal.Register(fakeDriver{name}); err != nil {
		t.Fatal(err)
	}
	if err := hal.Register(fakeDriver{name}); !errors.Is(err, hal.ErrDuplicate) {
		t.Errorf("duplicate registration: %v", err)
	}
	if _, ok := hal.Lookup(name); !ok {
		t.Error("Lookup")
	}
	if _, ok := hal.Lookup("nope"); ok {
		t.Error("Lookup(nope)")
	}
	if !slices.Contains(hal.Drivers(), name) {
		t.Error("Drivers", hal.Drivers())
	}
	n := 0
	d := hal.NewDevices(nil, nil, func() error { n++; return haltest.ErrFake })
	if d.Close() != haltest.ErrFake || d.Close() != haltest.ErrFake || n != 1 {
		t.Error("Devices.Close not idempotent")
	}
	if (hal.LEDSpec{Name: "green"}).PinOr() != "green" || (hal.ButtonSpec{Name: "b", Pin: "GPIO23"}).PinOr() != "GPIO23" {
		t.Error("PinOr")
	}
}
