package fork

import (
	"fmt"
	"net"
	"net/netip"
)

// Policy decides which addresses a box may send a call's audio to. It is
// checked on a parsed target by whoever takes the target from outside (the
// API), before Forker.Start; Start itself only refuses addresses no packet
// can go to.
//
// The zero value allows any unicast address on the LAN or beyond, and
// refuses the box itself (loopback and its own addresses), multicast and
// broadcast. Private (RFC 1918, fc00::/7) and link-local addresses are
// always allowed: that is where integrators' media servers usually are.
type Policy struct {
	// AllowLoopback allows loopback addresses and the box's own addresses
	// (Own), for tests and for a media server running on the box.
	AllowLoopback bool
	// AllowMulticast allows multicast and the limited broadcast address
	// 255.255.255.255 (broadcast also needs Options.Broadcast). Directed
	// broadcast addresses (192.168.1.255 on a /24) are not known here; a
	// forker without Options.Broadcast fails to send to them.
	AllowMulticast bool
	// LANOnly refuses addresses outside private and link-local ranges, so
	// a call's audio never leaves the site.
	LANOnly bool
	// Own reports the box's own addresses; nil means none is known
	// (loopback is still refused). IsOwnAddr is one.
	Own func(netip.Addr) bool
}

// Reserved IPv4 ranges no media server lives in.
var (
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	classE    = netip.MustParsePrefix("240.0.0.0/4")
	broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})
)

// Check returns nil if the policy allows sending to t, or an error that
// wraps ErrPolicy saying why not. The unspecified address and port 0 are
// always refused.
func (p Policy) Check(t netip.AddrPort) error {
	a := t.Addr().Unmap()
	switch {
	case !a.IsValid():
		return fmt.Errorf("%w: no address", ErrPolicy)
	case t.Port() == 0:
		return fmt.Errorf("%w: %v: port 0", ErrPolicy, t)
	case a.IsUnspecified():
		return fmt.Errorf("%w: %v: the unspecified address", ErrPolicy, t)
	case a.IsLoopback() || p.Own != nil && p.Own(a):
		if !p.AllowLoopback {
			return fmt.Errorf("%w: %v: the box itself", ErrPolicy, t)
		}
		return nil
	case a.IsMulticast() || a == broadcast:
		if !p.AllowMulticast {
			return fmt.Errorf("%w: %v: multicast or broadcast", ErrPolicy, t)
		}
		return nil
	case thisNet.Contains(a) || classE.Contains(a):
		return fmt.Errorf("%w: %v: a reserved address", ErrPolicy, t)
	case p.LANOnly && !a.IsPrivate() && !a.IsLinkLocalUnicast():
		return fmt.Errorf("%w: %v: not on the LAN", ErrPolicy, t)
	}
	return nil
}

// IsOwnAddr reports whether a is an address of one of the box's network
// interfaces, as the system lists them now. It is meant for Policy.Own; it
// asks the system on every call, so it is not for a hot path.
func IsOwnAddr(a netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, ia := range addrs {
		n, ok := ia.(*net.IPNet)
		if !ok {
			continue
		}
		if b, ok := netip.AddrFromSlice(n.IP); ok && b.Unmap() == a {
			return true
		}
	}
	return false
}
