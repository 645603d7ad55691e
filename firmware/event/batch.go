package event

import (
	"sync"
	"sync/atomic"
	"time"
)

// Batch is a subscription read in batches: Publish appends each event to
// it and wakes its reader only when it was empty. A reader that waits a
// while after Ready before it Takes (the call records' commit window, say)
// costs one wake-up per batch instead of one per event, and no event is
// lost to a full channel while it waits: only beyond max waiting events
// are they dropped (and counted).
type Batch struct {
	bus     *Bus
	max     int
	ready   chan struct{} // holds a token while events wait
	done    chan struct{} // closed by Close
	dropped atomic.Uint64
	once    sync.Once

	mu  sync.Mutex
	evs []Event // waiting, oldest first
}

// SubscribeBatch returns a batched subscription that holds up to max
// waiting events.
func (b *Bus) SubscribeBatch(max int) *Batch {
	s := &Batch{bus: b, max: max, ready: make(chan struct{}, 1), done: make(chan struct{})}
	b.mu.Lock()
	b.batches[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// offer appends e; Publish calls it.
func (s *Batch) offer(e Event) {
	s.mu.Lock()
	if len(s.evs) >= s.max {
		s.mu.Unlock()
		s.dropped.Add(1)
		return
	}
	s.evs = append(s.evs, e)
	first := len(s.evs) == 1
	s.mu.Unlock()
	if first {
		select {
		case s.ready <- struct{}{}:
		default: // a token is there already
		}
	}
}

// Ready has a value when events are waiting (it may also have one left
// over from events a Take already took: Take then returns none).
func (s *Batch) Ready() <-chan struct{} { return s.ready }

// Done is closed by Close; events published before it can still be taken.
func (s *Batch) Done() <-chan struct{} { return s.done }

// Take appends the waiting events to dst, oldest first, and returns it.
func (s *Batch) Take(dst []Event) []Event {
	s.mu.Lock()
	dst = append(dst, s.evs...)
	clear(s.evs)
	s.evs = s.evs[:0]
	s.mu.Unlock()
	return dst
}

// Dropped counts events lost because max events were waiting.
func (s *Batch) Dropped() uint64 { return s.dropped.Load() }

// Close detaches the subscription and closes Done. It is idempotent.
func (s *Batch) Close() {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.batches, s)
		s.bus.mu.Unlock()
		close(s.done)
	})
}

// Serve reads s until it is closed: once events are waiting it waits
// window more (so that later ones share the batch), takes them and calls
// handle with them; after Close it hands over what is left with last set,
// and returns. handle owns the slice only until it returns.
func (s *Batch) Serve(window time.Duration, handle func(evs []Event, last bool)) {
	t := time.NewTimer(window)
	t.Stop()
	defer t.Stop()
	var evs []Event
	for {
		select {
		case <-s.ready:
			t.Reset(window)
			select {
			case <-t.C:
			case <-s.done:
				t.Stop()
			}
		case <-s.done:
		}
		closed := false // looked at first: once closed, nothing more comes
		select {
		case <-s.done:
			closed = true
		default:
		}
		evs = s.Take(evs[:0])
		handle(evs, closed)
		clear(evs)
		if closed {
			return
		}
	}
}
