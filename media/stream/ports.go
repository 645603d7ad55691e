package stream

import (
	"fmt"
	"net/netip"
	"sync"
)

// portPool hands out RTP/RTCP port pairs from a range, round-robin, so a
// port just released is not reused at once (late packets of the old call
// would land in the new one).
type portPool struct {
	low, high int // even low port; pairs (p, p+1) with p+1 <= high

	mu    sync.Mutex
	inUse []bool // by pair index (p-low)/2; guarded by mu
	next  int    // pair index to try first; guarded by mu
}

func newPortPool(low, high int) *portPool {
	return &portPool{low: low, high: high, inUse: make([]bool, (high-low+1)/2)}
}

// open binds the next free pair on local and returns the two sockets and
// the RTP port. Pairs that fail to bind (another program has them) are
// skipped; when none is left the error wraps ErrNoPorts.
func (pp *portPool) open(local netip.Addr) (rtp, rtcp *sock, port int, err error) {
	network := "udp4"
	if !local.IsValid() {
		local = netip.IPv4Unspecified()
	} else if local.Is6() && !local.Is4In6() {
		network = "udp6"
	}
	local = local.Unmap()
	var lastErr error
	for range len(pp.inUse) {
		i, ok := pp.reserve()
		if !ok {
			break
		}
		port = pp.low + 2*i
		rtp, err = openSock(network, netip.AddrPortFrom(local, uint16(port)))
		if err == nil {
			rtcp, err = openSock(network, netip.AddrPortFrom(local, uint16(port+1)))
			if err == nil {
				return rtp, rtcp, port, nil
			}
			_ = rtp.close()
		}
		lastErr = err
		pp.release(port)
	}
	if lastErr != nil {
		return nil, nil, 0, fmt.Errorf("%w in %d-%d on %v (last: %v)", ErrNoPorts, pp.low, pp.high, local, lastErr)
	}
	return nil, nil, 0, fmt.Errorf("%w in %d-%d", ErrNoPorts, pp.low, pp.high)
}

// reserve marks the next free pair in use, round-robin.
func (pp *portPool) reserve() (int, bool) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	n := len(pp.inUse)
	for k := range n {
		i := (pp.next + k) % n
		if !pp.inUse[i] {
			pp.inUse[i] = true
			pp.next = (i + 1) % n
			return i, true
		}
	}
	return 0, false
}

// release returns the pair of RTP port port to the pool.
func (pp *portPool) release(port int) {
	pp.mu.Lock()
	pp.inUse[(port-pp.low)/2] = false
	pp.mu.Unlock()
}
