package mix

import "time"

// An engine with no room sleeps: its ticker stops and NewRoom wakes it, so
// an idle box spends no CPU on a mixer nobody uses.

// wakeIdle tells a sleeping engine a room was made; it never blocks.
func (e *Engine) wakeIdle() {
	select {
	case e.idle <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// sleepIdle stops t while the engine has no room and restarts it when one
// is made. It reports whether it slept, and the time the schedule starts
// again from (the wake-up), or false with stopped set if Close came first.
func (e *Engine) sleepIdle(t *time.Ticker) (slept, stopped bool, now time.Time) {
	if len(e.list()) > 0 {
		return false, false, time.Time{}
	}
	t.Stop()
	select {
	case <-e.stop:
		return true, true, time.Time{}
	case <-e.idle:
	}
	t.Reset(e.period)
	return true, false, time.Now()
}
