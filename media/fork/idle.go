package fork

import "time"

// On the real clock a forker with no fork waits without its ticker (a
// channel timer nobody waits on never fires), and register wakes it, so an
// idle box has no 20 ms wake-up for forks. On a test's clock it ticks on.

// ticks returns the channel run waits on for the next tick: the ticker's,
// or nil while the forker is idle on the real clock.
func (fk *Forker) ticks(t <-chan time.Time) <-chan time.Time {
	if _, real := fk.clock.(realClock); !real {
		return t
	}
	fk.mu.Lock()
	defer fk.mu.Unlock()
	if len(fk.forks) == 0 {
		return nil
	}
	return t
}

// wakeIdle wakes run to tick again; it never blocks. fk.mu is held.
func (fk *Forker) wakeIdle() {
	select {
	case fk.idle <- struct{}{}:
	default: // a wake-up is pending already
	}
}
