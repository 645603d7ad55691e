package sim_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/hal"
	"github.com/ivrbox/ivrbox/hal/haltest"
	"github.com/ivrbox/ivrbox/hal/sim"
)

const ms = time.Millisecond

func TestLEDsFollowBlinkers(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	b := sim.New(sim.Options{LEDs: []string{"green", "yellow", "red", "green"}})
	defer b.Close()
	devs := b.Devices()
	if len(devs.LEDs) != 3 {
		t.Fatalf("%d LEDs, want 3 (duplicate dropped)", len(devs.LEDs))
	}
	want := []sim.LEDState{{Name: "green", Pattern: "off"}, {Name: "yellow", Pattern: "off"}, {Name: "red", Pattern: "off"}}
	if got := b.LEDs(); !slices.Equal(got, want) {
		t.Errorf("initial %v", got)
	}
	clk := haltest.NewClock()
	bl := hal.NewBlinker(devs.LEDs[1], hal.BlinkerOptions{Clock: clk})
	defer bl.Close()
	bl.Set(hal.On)
	waitFor(t, func() bool { return b.LEDs()[1] == sim.LEDState{Name: "yellow", On: true, Pattern: "on"} })
	bl.Set(hal.Heartbeat)
	waitFor(t, func() bool { return b.LEDs()[1].Pattern == "heartbeat" })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(haltest.WaitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPress(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	clk := haltest.NewClock()
	b := sim.New(sim.Options{Buttons: []string{"button"}, Clock: clk})
	defer b.Close()
	if got := b.Buttons(); !slices.Equal(got, []string{"button"}) {
		t.Fatal(got)
	}
	btn := b.Devices().Buttons[0]
	if err := b.Press("button", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	<-btn.Edges()
	if !btn.Pressed() {
		t.Fatal("not pressed")
	}
	if err := b.Press("button", time.Second); !errors.Is(err, sim.ErrBusy) {
		t.Errorf("second press: %v", err)
	}
	if !clk.WaitTimers(1) {
		t.Fatal("no release timer")
	}
	clk.Advance(1999 * ms)
	if !btn.Pressed() {
		t.Fatal("released early")
	}
	clk.Advance(1 * ms)
	<-btn.Edges()
	waitFor(t, func() bool { return !btn.Pressed() })

	// A release timer from an earlier press never ends a later one.
	if err := b.Press("button", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := b.Release("button"); err != nil {
		t.Fatal(err)
	}
	if err := b.Hold("button"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	if !clk.WaitTimers(0) {
		t.Fatal("timer left")
	}
	time.Sleep(10 * ms) // give a wrong release the chance to happen
	if !btn.Pressed() {
		t.Fatal("stale release ended a Hold")
	}
	_ = b.Release("button")
}

func TestPressErrors(t *testing.T) {
	b := sim.New(sim.Options{Buttons: []string{"button"}})
	for _, c := range []struct {
		name string
		d    time.Duration
		err  error
	}{
		{"nope", time.Second, sim.ErrUnknown},
		{"button", -time.Second, sim.ErrDuration},
		{"button", time.Hour, sim.ErrDuration},
	} {
		if err := b.Press(c.name, c.d); !errors.Is(err, c.err) {
			t.Errorf("Press(%q, %v) = %v, want %v", c.name, c.d, err, c.err)
		}
	}
	if err := b.Release("nope"); !errors.Is(err, sim.ErrUnknown) {
		t.Errorf("Release: %v", err)
	}
	// A pending press is released by Close.
	if err := b.Press("button", 0); err != nil {
		t.Fatal(err)
	}
	btn := b.Devices().Buttons[0]
	_ = b.Close()
	_ = b.Close()
	if btn.Pressed() {
		t.Error("Close left the button down")
	}
	if err := b.Press("button", time.Second); !errors.Is(err, sim.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestDriver(t *testing.T) {
	drv, ok := hal.Lookup(sim.Name)
	if !ok {
		t.Fatal("sim not registered")
	}
	devs, err := drv.Open(hal.Config{LEDs: []hal.LEDSpec{{Name: "green"}}, Buttons: []hal.ButtonSpec{{Name: "button"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer devs.Close()
	if len(devs.LEDs) != 1 || len(devs.Buttons) != 1 || devs.Buttons[0].Name() != "button" {
		t.Fatalf("%+v", devs)
	}
}
