package stream

import (
	"testing"
	"time"
)

func TestQualityLossAndJitter(t *testing.T) {
	var q quality
	t0 := time.Unix(1000, 0)
	// 100 packets 20 ms apart, sequence wrapping past 65535, with 3 lost and
	// one arriving twice; arrival exactly on time: no jitter.
	seq := uint16(65500)
	for n := range 100 {
		s := seq + uint16(n)
		if n == 10 || n == 50 || n == 51 {
			continue
		}
		q.arrive(s, uint32(n*160), 7, t0.Add(time.Duration(n)*20*time.Millisecond))
		if n == 70 {
			q.arrive(s, uint32(n*160), 7, t0.Add(time.Duration(n)*20*time.Millisecond))
		}
	}
	if got := q.lost.Load(); got != 2 { // 3 lost, one duplicate
		t.Errorf("lost = %d, want 2", got)
	}
	if q.jitterNS.Load() != 0 {
		t.Errorf("jitter = %d ns for packets on time", q.jitterNS.Load())
	}
	// Alternate 10 ms early and late: jitter converges near 20 ms.
	var j quality
	for n := range 400 {
		off := 10 * time.Millisecond
		if n%2 == 0 {
			off = -off
		}
		j.arrive(uint16(n), uint32(n*160), 9, t0.Add(time.Duration(n)*20*time.Millisecond+off))
	}
	if ms := float64(j.jitterNS.Load()) / 1e6; ms < 18 || ms > 21 {
		t.Errorf("jitter = %.1f ms, want about 20", ms)
	}
	if j.firstIn.Load() != t0.Add(-10*time.Millisecond).UnixNano() {
		t.Errorf("firstIn = %d", j.firstIn.Load())
	}
}

func BenchmarkQualityArrive(b *testing.B) {
	var q quality
	now := time.Now()
	b.ReportAllocs()
	for n := range b.N {
		q.arrive(uint16(n), uint32(n*160), 1, now)
	}
}
