// Package authlimit refuses, for a while, an address that failed to
// authenticate too often: the APIs' answer to token guessing.
package authlimit

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Authentication limits: FailLimit failures from one address within
// FailWindow (counted from the first) refuse that address for Block, even
// with a good token.
const (
	FailLimit  = 10
	FailWindow = time.Minute
	Block      = time.Minute
	maxAddrs   = 1024 // addresses whose failures are remembered
)

// Throttle counts authentication failures per address. Make it with New.
type Throttle struct {
	now   func() time.Time
	mu    sync.Mutex
	fails map[string]*fails
}

type fails struct {
	count   int
	first   time.Time
	blocked time.Time
}

// Blocked reports whether addr is refused now.
func (t *Throttle) Blocked(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.fails[addr]
	return f != nil && t.now().Before(f.blocked)
}

// Fail counts a failure of addr.
func (t *Throttle) Fail(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.fails[addr]
	if f == nil || now.Sub(f.first) > FailWindow {
		if f == nil && len(t.fails) >= maxAddrs {
			t.prune(now)
		}
		f = &fails{first: now}
		t.fails[addr] = f
	}
	f.count++
	if f.count >= FailLimit {
		f.blocked = now.Add(Block)
	}
}

// prune forgets addresses whose window and block are over; if none, the
// oldest. t.mu is held.
func (t *Throttle) prune(now time.Time) {
	var oldest string
	for a, f := range t.fails {
		if now.Sub(f.first) > FailWindow && !now.Before(f.blocked) {
			delete(t.fails, a)
		} else if oldest == "" || f.first.Before(t.fails[oldest].first) {
			oldest = a
		}
	}
	if len(t.fails) >= maxAddrs {
		delete(t.fails, oldest)
	}
}

// New returns a throttle on the clock now (nil: time.Now).
func New(now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{now: now, fails: map[string]*fails{}}
}

// ClientAddr is the request's remote IP.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
