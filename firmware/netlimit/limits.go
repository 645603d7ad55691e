package netlimit

import (
	"net"
	"net/netip"
	"sync"
)

// Limits is a pool of connection slots: at most Total at once, at most
// PerAddr from one source address. Several listeners may share one. Safe
// for concurrent use.
type Limits struct {
	total, perAddr int

	mu    sync.Mutex
	used  int
	addrs map[netip.Addr]int
}

// New returns limits of total slots, perAddr from one address (perAddr <= 0
// or > total means total).
func New(total, perAddr int) *Limits {
	if total < 1 {
		total = 1
	}
	if perAddr <= 0 || perAddr > total {
		perAddr = total
	}
	return &Limits{total: total, perAddr: perAddr, addrs: map[netip.Addr]int{}}
}

// Total is the cap on all connections.
func (l *Limits) Total() int { return l.total }

// PerAddr is the cap on one address's connections.
func (l *Limits) PerAddr() int { return l.perAddr }

// Used is how many slots are taken.
func (l *Limits) Used() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.used
}

// Take takes a slot for a connection from remote; ok is false when either
// cap is reached. release gives the slot back; it may be called more than
// once (only the first counts).
func (l *Limits) Take(remote net.Addr) (release func(), ok bool) {
	a := addrOf(remote)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.used >= l.total || l.addrs[a] >= l.perAddr {
		return nil, false
	}
	l.used++
	l.addrs[a]++
	var once sync.Once
	return func() { once.Do(func() { l.release(a) }) }, true
}

func (l *Limits) release(a netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.used--
	if l.addrs[a]--; l.addrs[a] <= 0 {
		delete(l.addrs, a)
	}
}

// addrOf is the IP of a connection's remote address (the zero Addr when it
// has none: all such share one count).
func addrOf(remote net.Addr) netip.Addr {
	if ta, ok := remote.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	if remote == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
