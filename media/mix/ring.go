package mix

import "sync/atomic"

// Ring tuning: ringFrames slots; the reader sheds a frame when more than
// one is still waiting after each of shedAfter reads in a row (the writer
// ran ahead, say after a late tick of the other side), or at once when the
// ring is full.
const (
	ringFrames = 4
	shedAfter  = 25 // half a second of 20 ms frames
)

// ring is a single-producer single-consumer queue of frames whose slots
// are used in place: the writer reserves a slot, fills it and commits it;
// the reader peeks at the oldest, uses it and releases it. Neither side
// takes a lock or allocates. When the ring is full the writer's frame is
// dropped (counted); the reader keeps the delay short by shedding the
// oldest frames (see ringFrames).
type ring[T any] struct {
	slots   [ringFrames]T
	w, r    atomic.Uint64 // frames committed and released; w-r are waiting
	dropped atomic.Uint64 // frames the writer found no room for, or the reader shed
	ahead   int           // reads in a row with more than one frame waiting; reader only
}

// reserve returns the slot the writer fills next, or nil (counted as a
// drop) when the ring is full.
func (q *ring[T]) reserve() *T {
	w := q.w.Load()
	if w-q.r.Load() >= ringFrames {
		q.dropped.Add(1)
		return nil
	}
	return &q.slots[w%ringFrames]
}

// commit publishes the slot reserve returned.
func (q *ring[T]) commit() { q.w.Add(1) }

// peek returns the oldest waiting slot, or nil if none is waiting; the
// reader uses it and then calls release. It first sheds what keeps the
// delay long.
func (q *ring[T]) peek() *T {
	r, w := q.r.Load(), q.w.Load()
	n := w - r
	switch {
	case n == 0:
		q.ahead = 0
		return nil
	case n >= 2:
		q.ahead++
	default:
		q.ahead = 0
	}
	if n == ringFrames || q.ahead >= shedAfter {
		r++ // shed the oldest frame
		q.r.Store(r)
		q.dropped.Add(1)
		q.ahead = 0
	}
	return &q.slots[r%ringFrames]
}

// release hands the slot peek returned back to the writer.
func (q *ring[T]) release() { q.r.Add(1) }

// waiting returns the number of frames waiting.
func (q *ring[T]) waiting() int { return int(q.w.Load() - q.r.Load()) }
