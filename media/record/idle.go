package record

import "time"

// On the real clock a writer with no recording waits without its ticker (a
// channel timer nobody waits on never fires), and add wakes it, so an idle
// box has no drain wake-ups. On a test's clock it ticks on.

// ticks returns the channel run waits on for the next drain: the ticker's,
// or nil while the writer is idle on the real clock.
func (w *writer) ticks(t <-chan time.Time) <-chan time.Time {
	if _, real := w.r.opts.Clock.(realClock); !real {
		return t
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.recs) == 0 {
		return nil
	}
	return t
}
