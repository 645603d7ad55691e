package outbox

import (
	"context"
	"sync"
)

// shard is one worker's FIFO of event ids. Ids are pushed in increasing
// order, so the oldest is at the front.
type shard struct {
	mu   sync.Mutex    // guards ids
	ids  []uint64      // queued, not yet taken by the worker
	wake chan struct{} // signalled (capacity 1) when ids grows
}

func newShard() *shard { return &shard{wake: make(chan struct{}, 1)} }

// push appends id and wakes the worker.
func (s *shard) push(id uint64) {
	s.mu.Lock()
	s.ids = append(s.ids, id)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pop takes the oldest id, waiting for one; false when ctx is done.
func (s *shard) pop(ctx context.Context) (uint64, bool) {
	for {
		s.mu.Lock()
		if len(s.ids) > 0 {
			id := s.ids[0]
			s.ids = s.ids[1:]
			if len(s.ids) == 0 {
				s.ids = nil // let the backing array go
			}
			s.mu.Unlock()
			return id, true
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-ctx.Done():
			return 0, false
		}
	}
}

// remove forgets id if it is the oldest queued (a dropped event always is,
// unless the worker already took it).
func (s *shard) remove(id uint64) {
	s.mu.Lock()
	if len(s.ids) > 0 && s.ids[0] == id {
		s.ids = s.ids[1:]
	}
	s.mu.Unlock()
}
