package record

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// readChunk is how many frames a writer takes from a tap at a time.
const readChunk = 16

// writer is one writer goroutine and the recordings it serves.
type writer struct {
	r    *Recorder
	wake chan struct{} // a recording asks to stop, or the storage is full

	mu   sync.Mutex // guards recs
	recs []*Recording

	// Owned by the writer goroutine.
	cur    []*Recording
	frames [readChunk]stream.Frame
}

// newWriter returns a writer for r; run starts it.
func newWriter(r *Recorder) *writer {
	return &writer{r: r, wake: make(chan struct{}, 1)}
}

// kick wakes the writer without waiting.
func (w *writer) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// add hands rec to the writer.
func (w *writer) add(rec *Recording) {
	w.mu.Lock()
	first := len(w.recs) == 0
	w.recs = append(w.recs, rec)
	w.mu.Unlock()
	if _, real := w.r.opts.Clock.(realClock); real && first {
		w.kick() // an idle writer waits without its ticker (idle.go)
	}
}

// run drains the taps at every tick, and at once when woken, until ctx is
// done; then it ends every recording it still has.
func (w *writer) run(ctx context.Context, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			w.drain(ReasonStopped)
			return
		case <-w.ticks(tick):
		case <-w.wake:
		}
		w.drain("")
	}
}

// drain serves every recording once; a non-empty reason ends them all.
func (w *writer) drain(reason string) {
	w.mu.Lock()
	w.cur = append(w.cur[:0], w.recs...)
	w.mu.Unlock()
	ended := false
	for _, rec := range w.cur {
		if reason != "" {
			rec.requestStop(reason)
		}
		if w.r.store.isFull() {
			rec.requestStop(ReasonStorageFull)
		}
		if !w.serve(rec) {
			rec.ended = true
			ended = true
		}
	}
	if ended {
		w.mu.Lock()
		w.recs = slices.DeleteFunc(w.recs, func(rec *Recording) bool { return rec.ended })
		w.mu.Unlock()
	}
	clear(w.cur)
}

// serve records what rec's tap holds, and finishes rec if it must end. It
// reports whether rec goes on.
func (w *writer) serve(rec *Recording) bool {
	asked := rec.stopReason() // before the drain: every frame sent before Stop is kept
	reason, err := w.pump(rec)
	if reason == "" {
		reason = asked
	}
	if reason == "" {
		return true
	}
	w.finish(rec, reason, err)
	return false
}

// pump moves the frames waiting in rec's tap into its files, and returns
// the reason rec must end, or "". A panic ends rec with an error.
func (w *writer) pump(rec *Recording) (reason string, err error) {
	defer func() {
		if p := recover(); p != nil {
			w.r.log.Error("record: panic while recording", "call", rec.spec.CallID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
			reason = reasonOf(err)
		}
	}()
	for range rec.tap.Len()/readChunk + 2 { // bounded: the stream adds a frame every 20 ms
		n := rec.tap.Read(w.frames[:])
		if n == 0 {
			break
		}
		for i := range n {
			if reason, err = rec.add(&w.frames[i]); reason != "" {
				return reason, err
			}
		}
	}
	return "", nil
}

// finish writes rec's last audio and hands it to the closer; a panic
// still hands it over, with the error.
func (w *writer) finish(rec *Recording, reason string, cause error) {
	defer func() {
		if p := recover(); p != nil {
			w.r.log.Error("record: panic while finishing", "call", rec.spec.CallID, "panic", p, "stack", string(debug.Stack()))
			rec.res.Reason, rec.res.Err = reason, fmt.Errorf("panic: %v", p)
			w.r.closer.push(rec)
		}
	}()
	rec.end(reason, cause)
}
