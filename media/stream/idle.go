package stream

import "context"

// A polling shard (runPoll: Linux, the real clock) with no stream sleeps:
// it sets no timer and waits for add to wake it, so an idle box costs no
// CPU for its media (50 wake-ups a second per shard otherwise). A ticking
// shard (runTick: other systems, tests' clocks) ticks on.

// wakeIdle tells a sleeping shard a stream was added; it never blocks.
func (sh *shard) wakeIdle() {
	select {
	case sh.idle <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// sleepIdle waits, if the shard has no stream, until one is added or ctx
// is done, and reports whether it waited. The clock starts afresh from the
// wake-up, so the first tick after it is a frame later and nothing counts
// as skipped.
func (sh *shard) sleepIdle(ctx context.Context) bool {
	sh.mu.Lock()
	n := len(sh.streams)
	sh.mu.Unlock()
	if n > 0 {
		return false
	}
	select {
	case <-ctx.Done():
	case <-sh.idle:
	}
	sh.next = sh.clock.Now().Add(sh.frame)
	return true
}
