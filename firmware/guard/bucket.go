package guard

import "time"

// bucket is a token bucket: rate tokens a second up to burst; each event
// takes one.
type bucket struct {
	tokens float64
	last   time.Time
}

// take refills b for the time since its last use and takes a token; false
// when none is left. A zero bucket starts full.
func (b *bucket) take(now time.Time, rate float64, burst int) bool {
	if b.last.IsZero() {
		b.tokens = float64(burst)
	} else if d := now.Sub(b.last); d > 0 {
		b.tokens = min(float64(burst), b.tokens+d.Seconds()*rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// full reports whether b would be full at now (it carries no history).
func (b *bucket) full(now time.Time, rate float64, burst int) bool {
	return b.last.IsZero() || b.tokens+now.Sub(b.last).Seconds()*rate >= float64(burst)
}
