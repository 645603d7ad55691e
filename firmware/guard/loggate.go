package guard

import (
	"sync"
	"time"
)

// LogGate rate-limits a kind of log line: at most Burst lines every
// Every; the lines held back are counted and reported with the next one
// let through. The zero value lets 5 lines a minute through. It is safe
// for concurrent use.
type LogGate struct {
	// Every is the window; 0 means a minute.
	Every time.Duration
	// Burst is the lines let through per window; 0 means 5.
	Burst int

	mu         sync.Mutex
	start      time.Time
	n          int
	suppressed int
}

// Allow reports whether a line may be logged at now, and how many were
// held back since the last one that was.
func (g *LogGate) Allow(now time.Time) (ok bool, suppressed int) {
	every, burst := g.Every, g.Burst
	if every <= 0 {
		every = time.Minute
	}
	if burst <= 0 {
		burst = 5
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.start) >= every || now.Before(g.start) {
		g.start, g.n = now, 0
	}
	if g.n >= burst {
		g.suppressed++
		return false, 0
	}
	g.n++
	suppressed, g.suppressed = g.suppressed, 0
	return true, suppressed
}
