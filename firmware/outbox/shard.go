package outbox

import (
	"context"
	"sync"
)

// item is one stored event waiting for its worker: its id and when it was
// enqueued (Unix nanoseconds of Options.Now; for an event loaded from the
// database at New, the time New loaded it, as the stored record keeps no
// enqueue time).
type item struct {
	id uint64
	at int64
}

// shard is one worker's FIFO of events. Ids are pushed in increasing
// order, so the oldest is at the front; the one the worker is delivering
// (cur) is older still.
type shard struct {
	mu    sync.Mutex    // guards items, cur and busy
	items []item        // queued, not yet taken by the worker
	cur   item          // the event the worker is delivering, if busy
	busy  bool          // the worker took cur and has not finished with it
	wake  chan struct{} // signalled (capacity 1) when items grows
}

func newShard() *shard { return &shard{wake: make(chan struct{}, 1)} }

// push appends the event id enqueued at at and wakes the worker.
func (s *shard) push(id uint64, at int64) {
	s.mu.Lock()
	s.items = append(s.items, item{id: id, at: at})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pop takes the oldest event, waiting for one, and marks it as being
// delivered until done; false when ctx is done.
func (s *shard) pop(ctx context.Context) (item, bool) {
	for {
		s.mu.Lock()
		if len(s.items) > 0 {
			it := s.items[0]
			s.items = s.items[1:]
			if len(s.items) == 0 {
				s.items = nil // let the backing array go
			}
			s.cur, s.busy = it, true
			s.mu.Unlock()
			return it, true
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-ctx.Done():
			return item{}, false
		}
	}
}

// done marks the event taken by pop as finished: delivered, discarded, or
// abandoned (it then waits for the next start).
func (s *shard) done() {
	s.mu.Lock()
	s.busy = false
	s.mu.Unlock()
}

// oldest returns the enqueue time of the shard's oldest undelivered event;
// false when it has none.
func (s *shard) oldest() (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.busy:
		return s.cur.at, true
	case len(s.items) > 0:
		return s.items[0].at, true
	}
	return 0, false
}

// remove forgets id if it is the oldest queued (a dropped event always is,
// unless the worker already took it).
func (s *shard) remove(id uint64) {
	s.mu.Lock()
	if len(s.items) > 0 && s.items[0].id == id {
		s.items = s.items[1:]
	}
	s.mu.Unlock()
}
