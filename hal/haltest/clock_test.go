package haltest

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	c := NewClock()
	if !c.Now().Equal(Epoch) || c.Since() != 0 {
		t.Fatal(c.Now())
	}
	a := c.NewTimer(100 * time.Millisecond)
	b := c.NewTimer(300 * time.Millisecond)
	now := c.NewTimer(0)
	select {
	case <-now.C():
	default:
		t.Error("zero timer did not fire at once")
	}
	if d, ok := c.Next(); !ok || d != 100*time.Millisecond || c.Timers() != 2 {
		t.Errorf("Next %v %v, timers %d", d, ok, c.Timers())
	}
	c.Advance(150 * time.Millisecond)
	select {
	case at := <-a.C():
		if at.Sub(Epoch) != 150*time.Millisecond {
			t.Errorf("fired at %v", at)
		}
	default:
		t.Error("a did not fire")
	}
	if a.Stop() {
		t.Error("Stop of a fired timer reported true")
	}
	if !b.Stop() || c.Timers() != 0 || !c.WaitTimers(0) {
		t.Error("Stop of a pending timer")
	}
	if _, ok := c.Next(); ok {
		t.Error("Next with no timers")
	}
	go func() { c.NewTimer(time.Second) }()
	if !c.WaitNext(time.Second) {
		t.Error("WaitNext")
	}
}

func TestButtonAndLED(t *testing.T) {
	c := NewClock()
	l := NewLED("x", c)
	c.Advance(time.Second)
	_ = l.Set(true)
	l.Fail(ErrFake)
	if l.Set(false) != ErrFake || !l.On() {
		t.Error("Fail")
	}
	if got := l.Changes(); len(got) != 1 || got[0] != (Change{At: time.Second, On: true}) {
		t.Errorf("changes %v", got)
	}
	b := NewButton("b")
	b.Set(true)
	b.Set(false) // coalesced: never blocks
	<-b.Edges()
	if b.Pressed() || b.Reads() != 1 || !b.WaitReads(1) {
		t.Error("button")
	}
}
