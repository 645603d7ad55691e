package record

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// stage is a goroutine that serves finished recordings in order, off the
// writers. A Recorder has two: the closer (fsync, close, rename, Done) and
// the notifier (detach the tap, OnFinish), so that neither a slow disk nor
// a slow callback delays a writer, and a slow callback never delays Done.
type stage struct {
	name  string
	r     *Recorder
	serve func(*Recording)
	kick  chan struct{} // cap 1: the queue has work
	quit  chan struct{} // closed by close: serve the queue and return
	done  chan struct{} // closed when the goroutine has returned

	mu    sync.Mutex // guards queue
	queue []*Recording
}

// newStage starts a stage of r that runs serve for each recording pushed.
func newStage(r *Recorder, name string, serve func(*Recording)) *stage {
	s := &stage{name: name, r: r, serve: serve,
		kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

// push queues a recording; it never blocks.
func (s *stage) push(rec *Recording) {
	s.mu.Lock()
	s.queue = append(s.queue, rec)
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// close serves what is queued, stops the goroutine and waits for it. No
// push may come after it.
func (s *stage) close() {
	close(s.quit)
	<-s.done
}

// run serves the queue until close.
func (s *stage) run() {
	defer close(s.done)
	for {
		select {
		case <-s.kick:
			s.drain()
		case <-s.quit:
			s.drain()
			return
		}
	}
}

// drain serves every queued recording, in order.
func (s *stage) drain() {
	for {
		s.mu.Lock()
		q := s.queue
		s.queue = nil
		s.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, rec := range q {
			s.safeServe(rec)
		}
	}
}

// safeServe serves rec, recovering a panic: the recording is then
// published with the error, so that its Done still closes.
func (s *stage) safeServe(rec *Recording) {
	defer func() {
		if p := recover(); p != nil {
			s.r.log.Error("record: panic in the "+s.name, "call", rec.spec.CallID, "panic", p, "stack", string(debug.Stack()))
			res := rec.res
			res.Err = fmt.Errorf("panic: %v", p)
			rec.publish(res)
		}
	}()
	s.serve(rec)
}
