package main

import (
	"testing"
	"time"
)

// TestJitterPercentile: gaps of 20 ms count as no jitter, a late and an
// early packet by their distance from 20 ms, and the 99th percentile
// lands in the right 0.1 ms bucket.
func TestJitterPercentile(t *testing.T) {
	var h jitterHist
	for range 98 {
		h.add(20 * time.Millisecond)
	}
	h.add(23 * time.Millisecond)
	h.add(17*time.Millisecond - 50*time.Microsecond) // 3.05 ms early
	if p, n := h.percentile(0.5); p != 0.1 || n != 100 {
		t.Errorf("median %.2f ms of %d gaps, want 0.1 (the first bucket) of 100", p, n)
	}
	if p, _ := h.percentile(0.99); p < 3.0 || p > 3.2 {
		t.Errorf("p99 %.2f ms, want about 3.1", p)
	}
	h.reset()
	if _, n := h.percentile(0.99); n != 0 {
		t.Errorf("%d gaps after reset", n)
	}
}
