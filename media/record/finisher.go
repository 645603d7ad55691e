package record

import (
	"runtime/debug"
	"sync"
)

// finisher detaches the taps of finished recordings and tells OnFinish,
// on a goroutine of its own so that neither a stream nor the callback
// delays a writer.
type finisher struct {
	r    *Recorder
	kick chan struct{} // cap 1: the queue has work
	quit chan struct{} // closed by close: finish the queue and return
	done chan struct{} // closed when the goroutine has returned

	mu    sync.Mutex // guards queue
	queue []*Recording
}

// newFinisher starts the finisher of r.
func newFinisher(r *Recorder) *finisher {
	f := &finisher{r: r, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go f.run()
	return f
}

// push queues a finished recording; it never blocks.
func (f *finisher) push(rec *Recording) {
	f.mu.Lock()
	f.queue = append(f.queue, rec)
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// close serves what is queued, stops the goroutine and waits for it.
func (f *finisher) close() {
	close(f.quit)
	<-f.done
}

// run serves the queue until close.
func (f *finisher) run() {
	defer close(f.done)
	for {
		select {
		case <-f.kick:
			f.serve()
		case <-f.quit:
			f.serve()
			return
		}
	}
}

// serve detaches and reports every queued recording, in order.
func (f *finisher) serve() {
	for {
		f.mu.Lock()
		q := f.queue
		f.queue = nil
		f.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, rec := range q {
			f.report(rec)
		}
	}
}

// report detaches rec's tap and calls OnFinish, recovering a panic.
func (f *finisher) report(rec *Recording) {
	defer func() {
		if p := recover(); p != nil {
			f.r.log.Error("record: panic in OnFinish", "call", rec.spec.CallID, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	rec.detach()
	res := rec.res
	f.r.log.Info("record: finished", "call", res.CallID, "name", res.Name,
		"duration", res.Duration, "reason", short(res.Reason), "dropped", res.Dropped, "err", res.Err)
	if f.r.opts.OnFinish != nil {
		f.r.opts.OnFinish(res)
	}
}
