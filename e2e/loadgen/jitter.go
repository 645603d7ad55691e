package main

import (
	"sync/atomic"
	"time"
)

// jitterHist counts how far the gaps between a call's packets from the box
// stray from 20 ms, in 0.1 ms buckets up to 50 ms (the last takes the
// rest). Arrival times are those of the generator's batch reads, so its own
// scheduling delays count too: the figure bounds the box's send jitter
// from above.
type jitterHist struct {
	buckets [jitterBuckets]atomic.Int64
}

const (
	jitterBucket  = 100 * time.Microsecond
	jitterBuckets = 500
)

// add counts one gap.
func (h *jitterHist) add(gap time.Duration) {
	d := gap - 20*time.Millisecond
	if d < 0 {
		d = -d
	}
	h.buckets[min(int(d/jitterBucket), jitterBuckets-1)].Add(1)
}

// reset forgets every gap counted.
func (h *jitterHist) reset() {
	for i := range h.buckets {
		h.buckets[i].Store(0)
	}
}

// percentile returns the p-th percentile (0..1) of the gaps' deviation, in
// ms, and the number of gaps.
func (h *jitterHist) percentile(p float64) (float64, int64) {
	var n int64
	for i := range h.buckets {
		n += h.buckets[i].Load()
	}
	if n == 0 {
		return 0, 0
	}
	want, seen := int64(float64(n)*p), int64(0)
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen > want {
			return float64(i+1) * float64(jitterBucket) / float64(time.Millisecond), n
		}
	}
	return float64(jitterBuckets) * float64(jitterBucket) / float64(time.Millisecond), n
}
