package haltest

import (
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/hal"
)

// Epoch is where a new Clock starts.
var Epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// WaitTimeout bounds every wait in this package, so a broken test fails
// instead of hanging.
const WaitTimeout = 10 * time.Second

// Clock is a [hal.Clock] that moves only when told to.
type Clock struct {
	mu     sync.Mutex // guards the fields below
	now    time.Time
	timers []*timer // pending, unordered
	change chan struct{}
}

var _ hal.Clock = (*Clock)(nil)

// NewClock returns a clock stopped at Epoch.
func NewClock() *Clock {
	return &Clock{now: Epoch, change: make(chan struct{})}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Since is the time elapsed since Epoch.
func (c *Clock) Since() time.Duration { return c.Now().Sub(Epoch) }

// NewTimer returns a timer that fires when the clock reaches now+d; with
// d <= 0 it fires at once.
func (c *Clock) NewTimer(d time.Duration) hal.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{c: c, at: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	c.changedLocked()
	return t
}

// Advance moves the clock forward by d and fires the timers that are due.
// Timers created by the woken goroutines are not fired by this call, even
// if due: advance in steps (see WaitTimers) to follow a timeline exactly.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			keep = append(keep, t)
			continue
		}
		t.ch <- c.now
	}
	clear(c.timers[len(keep):])
	c.timers = keep
	c.changedLocked()
}

// Timers is the number of pending timers.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Next is the time until the earliest pending timer; false if none.
func (c *Clock) Next() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextLocked()
}

func (c *Clock) nextLocked() (time.Duration, bool) {
	if len(c.timers) == 0 {
		return 0, false
	}
	at := c.timers[0].at
	for _, t := range c.timers[1:] {
		if t.at.Before(at) {
			at = t.at
		}
	}
	return at.Sub(c.now), true
}

// WaitNext waits until the earliest pending timer is due in exactly d;
// false on timeout.
func (c *Clock) WaitNext(d time.Duration) bool {
	return c.wait(func() bool {
		next, ok := c.nextLocked()
		return ok && next == d
	})
}

// WaitTimers waits until exactly n timers are pending; false on timeout.
func (c *Clock) WaitTimers(n int) bool {
	return c.wait(func() bool { return len(c.timers) == n })
}

// wait waits until cond, called with c.mu held, is true.
func (c *Clock) wait(cond func() bool) bool {
	return waitFor(&c.mu, cond, func() <-chan struct{} { return c.change })
}

// waitFor waits up to WaitTimeout until cond, called with mu held, is true;
// changed, also called with mu held, gives the channel closed at the next
// change of state.
func waitFor(mu sync.Locker, cond func() bool, changed func() <-chan struct{}) bool {
	deadline := time.After(WaitTimeout)
	for {
		mu.Lock()
		ok, ch := cond(), changed()
		mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

func (c *Clock) changedLocked() {
	close(c.change)
	c.change = make(chan struct{})
}

type timer struct {
	c  *Clock
	at time.Time
	ch chan time.Time
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			c.changedLocked()
			return true
		}
	}
	return false
}
