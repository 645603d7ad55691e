package record

import "sync/atomic"

// storage accounts the bytes under Dir against the limit. Its methods are
// safe for concurrent use and never block.
type storage struct {
	max    int64        // the limit; 0 means none
	used   atomic.Int64 // bytes in use, as walked at New plus growth
	full   atomic.Bool  // a write hit the limit; cleared when Delete frees space
	onFull func()       // called when full is set (wakes the writers)
}

// reserve accounts for up to n more bytes, in multiples of align, and
// returns how many it granted; fewer than n means the limit is reached
// (full is then set).
func (s *storage) reserve(n, align int64) int64 {
	if s.max <= 0 {
		s.used.Add(n)
		return n
	}
	for {
		u := s.used.Load()
		g := min(n, max(s.max-u, 0))
		g -= g % align
		if s.used.CompareAndSwap(u, u+g) {
			if g < n {
				s.setFull()
			}
			return g
		}
	}
}

// release returns n reserved bytes that were not written.
func (s *storage) release(n int64) { s.used.Add(-n) }

// freed accounts for n bytes deleted, and clears full once the usage is
// under the limit.
func (s *storage) freed(n int64) {
	if u := s.used.Add(-n); s.max <= 0 || u < s.max {
		s.full.Store(false)
	}
}

// setFull marks the limit reached and tells onFull the first time.
func (s *storage) setFull() {
	if !s.full.Swap(true) && s.onFull != nil {
		s.onFull()
	}
}

// isFull reports whether a write hit the limit since space was last freed.
func (s *storage) isFull() bool { return s.full.Load() }
