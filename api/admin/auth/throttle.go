package auth

import (
	"net/netip"
	"sync"
	"time"
)

// Throttle defaults: Limit failures within Window block an address for Block.
const (
	DefaultLimit  = 5
	DefaultWindow = 5 * time.Minute
	DefaultBlock  = 5 * time.Minute
)

// maxTracked bounds the addresses a Throttle remembers.
const maxTracked = 10000

// Throttle counts failed logins per client address, in memory: Limit
// failures within Window block the address for Block. IPv6 addresses count
// per /64, the block a single host usually has. It is safe for concurrent
// use; the zero value is not (use NewThrottle).
type Throttle struct {
	limit         int
	window, block time.Duration
	now           func() time.Time

	mu    sync.Mutex // guards addrs
	addrs map[string]*failures
}

type failures struct {
	times []time.Time // recent failures, oldest first, at most limit
	until time.Time   // blocked until then
}

// NewThrottle returns a throttle with the defaults; now nil means time.Now.
func NewThrottle(now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{limit: DefaultLimit, window: DefaultWindow, block: DefaultBlock, now: now,
		addrs: map[string]*failures{}}
}

// Blocked returns how long addr stays blocked (0: not blocked).
func (t *Throttle) Blocked(addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.addrs[group(addr)]
	if f == nil {
		return 0
	}
	return max(f.until.Sub(t.now()), 0)
}

// Fail records a failed attempt from addr and reports whether it started a
// block (the caller logs that).
func (t *Throttle) Fail(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now, k := t.now(), group(addr)
	f := t.addrs[k]
	if f == nil {
		if len(t.addrs) >= maxTracked {
			t.pruneLocked(now)
		}
		f = &failures{}
		t.addrs[k] = f
	}
	keep := f.times[:0]
	for _, at := range f.times {
		if now.Sub(at) < t.window {
			keep = append(keep, at)
		}
	}
	f.times = append(keep, now)
	if len(f.times) < t.limit {
		return false
	}
	f.times = f.times[:0]
	f.until = now.Add(t.block)
	return true
}

// Succeed forgets addr's failures (after a good login).
func (t *Throttle) Succeed(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := group(addr)
	if f := t.addrs[k]; f != nil && !f.until.After(t.now()) {
		delete(t.addrs, k)
	}
}

// pruneLocked forgets addresses with no live failure or block; if that is
// not enough, it forgets all of them but the blocked ones.
func (t *Throttle) pruneLocked(now time.Time) {
	for k, f := range t.addrs {
		if !f.until.After(now) && (len(f.times) == 0 || now.Sub(f.times[len(f.times)-1]) >= t.window) {
			delete(t.addrs, k)
		}
	}
	if len(t.addrs) < maxTracked {
		return
	}
	for k, f := range t.addrs {
		if !f.until.After(now) {
			delete(t.addrs, k)
		}
	}
}

// group is the key addr is counted under: the IP, or its /64 for IPv6.
func group(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if ap, err := netip.ParseAddrPort(addr); err == nil {
			ip = ap.Addr()
		} else {
			return addr
		}
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
