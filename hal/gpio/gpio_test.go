package gpio

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/hal"
	"github.com/ivrbox/ivrbox/hal/haltest"
	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

const ms = time.Millisecond

// poll keeps Close quick in tests: gpiotest's WaitForEdge cannot be
// interrupted.
const poll = 20 * ms

func newPin(name string) *gpiotest.Pin {
	return &gpiotest.Pin{N: name, EdgesChan: make(chan pgpio.Level)}
}

func level(p *gpiotest.Pin) pgpio.Level {
	p.Lock()
	defer p.Unlock()
	return p.L
}

func TestLED(t *testing.T) {
	for _, activeLow := range []bool{false, true} {
		p := newPin("GPIO17")
		p.L = pgpio.High
		l, err := NewLED("green", p, activeLow)
		if err != nil {
			t.Fatal(err)
		}
		if got := level(p); got != pgpio.Level(activeLow) {
			t.Errorf("activeLow=%v: new LED not off (line %v)", activeLow, got)
		}
		for _, on := range []bool{true, false, true} {
			if err := l.Set(on); err != nil {
				t.Fatal(err)
			}
			if got, want := level(p), pgpio.Level(on != activeLow); got != want {
				t.Errorf("activeLow=%v Set(%v): line %v want %v", activeLow, on, got, want)
			}
		}
		if err := l.Close(); err != nil || level(p) != pgpio.Level(activeLow) {
			t.Errorf("Close: %v, line %v", err, level(p))
		}
		_ = l.Close()
		if l.Name() != "green" {
			t.Error(l.Name())
		}
	}
}

func TestButtonEdges(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	p := newPin("GPIO23")
	b, err := NewButton("button", p, ButtonOptions{Poll: poll})
	if err != nil {
		t.Fatal(err)
	}
	if p.Pull() != pgpio.PullUp || b.Pressed() {
		t.Fatalf("pull %v pressed %v: want pulled up and released", p.Pull(), b.Pressed())
	}
	for _, l := range []pgpio.Level{pgpio.Low, pgpio.High, pgpio.Low} {
		p.EdgesChan <- l
		select {
		case <-b.Edges():
		case <-time.After(haltest.WaitTimeout):
			t.Fatal("edge not delivered")
		}
		if got, want := b.Pressed(), l == pgpio.Low; got != want {
			t.Errorf("after edge to %v: pressed %v", l, got)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	_ = b.Close()

	// Active high: pulled down, pressed when high.
	p = newPin("GPIO24")
	b, err = NewButton("b2", p, ButtonOptions{ActiveHigh: true, Poll: poll})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if p.Pull() != pgpio.PullDown || b.Pressed() {
		t.Fatalf("active high: pull %v pressed %v", p.Pull(), b.Pressed())
	}
	p.EdgesChan <- pgpio.High
	<-b.Edges()
	if !b.Pressed() {
		t.Error("active high: not pressed after rising edge")
	}
}

func TestButtonNeedsEdges(t *testing.T) {
	p := &gpiotest.Pin{N: "GPIO23"} // no EdgesChan: gpiotest refuses edge detection
	if _, err := NewButton("button", p, ButtonOptions{}); err == nil {
		t.Fatal("button without edge detection accepted")
	}
}

// watch runs a hal.Watcher over a gpiotest pin on a fake clock.
type watch struct {
	t   *testing.T
	pin *gpiotest.Pin
	btn *Button
	clk *haltest.Clock
	w   *hal.Watcher
	ev  chan hal.Event
}

func newWatch(t *testing.T) *watch {
	x := &watch{t: t, pin: newPin("GPIO23"), clk: haltest.NewClock(), ev: make(chan hal.Event, 16)}
	var err error
	if x.btn, err = NewButton("button", x.pin, ButtonOptions{Poll: poll}); err != nil {
		t.Fatal(err)
	}
	x.w = hal.NewWatcher(x.btn, hal.WatcherOptions{Clock: x.clk, On: func(e hal.Event) { x.ev <- e }})
	return x
}

func (x *watch) close() {
	_ = x.w.Close()
	_ = x.btn.Close()
}

// edge drives the line to l and waits until the watcher restarted its
// debounce timer. gpiotest sets the level after the send returns, then the
// driver signals the edge: so two edges at the same fake time could not be
// told apart, and tests space them at least 1 ms.
func (x *watch) edge(l pgpio.Level) {
	x.t.Helper()
	x.pin.EdgesChan <- l
	if !x.clk.WaitNext(hal.DefaultDebounce) {
		x.t.Fatalf("at %v: edge to %v not seen", x.clk.Since(), l)
	}
}

// next returns the next event, failing after the wait timeout.
func (x *watch) next() hal.Event {
	x.t.Helper()
	select {
	case e := <-x.ev:
		return e
	case <-time.After(haltest.WaitTimeout):
		x.t.Fatalf("at %v: no event", x.clk.Since())
		return hal.Event{}
	}
}

func (x *watch) none() {
	x.t.Helper()
	select {
	case e := <-x.ev:
		x.t.Errorf("at %v: unexpected %v", x.clk.Since(), e)
	default:
	}
}

func TestWatcherOnGPIODebounce(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	x := newWatch(t)
	defer x.close()
	// Press with bounces at 0, 4, 9, 15, 16 ms: one press, 30 ms after the
	// last. (Edges are at distinct times so WaitNext sees each one.)
	x.edge(pgpio.Low)
	x.clk.Advance(4 * ms)
	x.edge(pgpio.High)
	x.clk.Advance(5 * ms)
	x.edge(pgpio.Low)
	x.clk.Advance(6 * ms)
	x.edge(pgpio.High)
	x.clk.Advance(1 * ms)
	x.edge(pgpio.Low)
	x.clk.Advance(29 * ms)
	x.none()
	x.clk.Advance(1 * ms)
	if e := x.next(); e.Gesture != hal.Down {
		t.Fatalf("got %v, want down", e)
	}
	x.none()
	if !x.clk.WaitTimers(1) { // the warn timer
		t.Fatal("no hold timer")
	}
	x.clk.Advance(400 * ms)
	x.edge(pgpio.High)
	x.clk.Advance(2 * ms)
	x.edge(pgpio.Low)
	x.clk.Advance(3 * ms)
	x.edge(pgpio.High)
	x.clk.Advance(30 * ms)
	if e := x.next(); e.Gesture != hal.Short || e.Held != 435*ms {
		t.Fatalf("got %v, want short after 435ms", e)
	}
	x.none()
}

func TestWatcherOnGPIOLongAndCancel(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	x := newWatch(t)
	defer x.close()
	hold := func() {
		x.edge(pgpio.Low)
		x.clk.Advance(30 * ms)
		if e := x.next(); e.Gesture != hal.Down {
			t.Fatalf("got %v, want down", e)
		}
		if !x.clk.WaitNext(3 * time.Second) {
			t.Fatal("warn timer not armed")
		}
		x.clk.Advance(3 * time.Second)
		if e := x.next(); e.Gesture != hal.Warn {
			t.Fatalf("got %v, want warn", e)
		}
	}
	// Released at 9.5 s: cancelled, and no long press ever comes.
	hold()
	if !x.clk.WaitNext(7 * time.Second) {
		t.Fatal("long timer not armed")
	}
	x.clk.Advance(6500 * ms)
	x.edge(pgpio.High)
	x.clk.Advance(30 * ms)
	if e := x.next(); e.Gesture != hal.Cancel {
		t.Fatalf("got %v, want cancel", e)
	}
	if !x.clk.WaitTimers(0) {
		t.Fatal("timer left after cancel")
	}
	x.clk.Advance(time.Minute)
	x.none()
	// Held through 10 s: long press while still down, then release.
	hold()
	if !x.clk.WaitNext(7 * time.Second) {
		t.Fatal("long timer not armed")
	}
	x.clk.Advance(7 * time.Second)
	if e := x.next(); e.Gesture != hal.Long || e.Held != 10*time.Second {
		t.Fatalf("got %v, want long at 10s", e)
	}
	x.edge(pgpio.High)
	x.clk.Advance(30 * ms)
	if e := x.next(); e.Gesture != hal.Release {
		t.Fatalf("got %v, want release", e)
	}
}

func TestDriverOpen(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	pins := map[string]*gpiotest.Pin{}
	for _, n := range []string{"GPIO17", "GPIO27", "GPIO23"} {
		pins[n] = newPin(n)
	}
	var looked []string
	d := driver{lookup: func(name string) (pgpio.PinIO, error) {
		looked = append(looked, name)
		if p, ok := pins[name]; ok {
			return p, nil
		}
		return nil, fmt.Errorf("%w: %q", errNoPin, name)
	}}
	devs, err := d.Open(hal.Config{
		LEDs:    []hal.LEDSpec{{Name: "green", Pin: "GPIO17"}, {Name: "yellow", Pin: "GPIO27", ActiveLow: true}},
		Buttons: []hal.ButtonSpec{{Name: "button", Pin: "GPIO23"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(devs.LEDs) != 2 || len(devs.Buttons) != 1 || devs.LEDs[1].Name() != "yellow" {
		t.Fatalf("devices %+v", devs)
	}
	if level(pins["GPIO27"]) != pgpio.High { // active low, off
		t.Error("active-low LED not off")
	}
	if err := devs.Close(); err != nil {
		t.Fatal(err)
	}
	// All or nothing: a missing line fails the whole set.
	_, err = d.Open(hal.Config{LEDs: []hal.LEDSpec{{Name: "green", Pin: "GPIO17"}, {Name: "red", Pin: "GPIO22"}}})
	if !errors.Is(err, errNoPin) {
		t.Fatalf("missing line: %v", err)
	}
	if !slices.Contains(looked, "GPIO22") {
		t.Error("lookup not by line name")
	}
	if drv, ok := hal.Lookup(Name); !ok || drv.Name() != "gpio" {
		t.Error("driver not registered")
	}
}

func TestLookupLineMissing(t *testing.T) {
	// No machine running the tests has a line called this.
	if _, err := lookupLine("NO-SUCH-LINE"); err == nil {
		t.Fatal("found a line that does not exist")
	}
}
