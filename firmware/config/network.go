package config

import (
	"fmt"
	"net/netip"
	"time"
)

// Network holds what a box behind NAT, a proxy or a firewall tells its
// peers (Asterisk's external_media_address, external_signaling_address and
// local_net). Zero value: every peer is told the address it reaches the
// box on.
type Network struct {
	// ExternalMediaAddress is the IP address put in SDP (c=) for peers
	// outside LocalNets; "": the address of the box. RTP is still bound to
	// the SIP listen address (or every address).
	ExternalMediaAddress string `json:"external_media_address,omitempty"`
	// ExternalSignalingAddress is the IP address put in Via and Contact
	// for peers outside LocalNets; "": the address of the box.
	ExternalSignalingAddress string `json:"external_signaling_address,omitempty"`
	// LocalNets are the networks (CIDR, e.g. "192.168.1.0/24") whose peers
	// are told the box's own address; empty means loopback and the private
	// ranges (10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16, fc00::/7,
	// fe80::/10).
	LocalNets []string `json:"local_nets,omitempty"`
}

// Limits and defaults of the network and drain settings.
const (
	MaxLocalNets        = 32   // entries in system.network.local_nets
	DefaultDrainSeconds = 20   // system.drain_seconds when 0
	MaxDrainSeconds     = 3600 // system.drain_seconds
)

// privateNets are the local networks when LocalNets is empty.
var privateNets = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
}

// MediaAddress is the address to put in SDP for a peer at peer: the
// external media address when one is set and peer is outside the local
// networks; ok false otherwise.
func (n Network) MediaAddress(peer netip.Addr) (netip.Addr, bool) {
	return n.external(n.ExternalMediaAddress, peer)
}

// SignalingAddress is the address to name in Via and Contact for a peer
// at peer, like MediaAddress.
func (n Network) SignalingAddress(peer netip.Addr) (netip.Addr, bool) {
	return n.external(n.ExternalSignalingAddress, peer)
}

func (n Network) external(addr string, peer netip.Addr) (netip.Addr, bool) {
	if addr == "" {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil || n.IsLocal(peer) {
		return netip.Addr{}, false
	}
	return ip, true
}

// IsLocal reports whether peer is on a local network (LocalNets, or
// loopback and the private ranges when it is empty).
func (n Network) IsLocal(peer netip.Addr) bool {
	peer = peer.Unmap()
	if peer.IsUnspecified() || (len(n.LocalNets) == 0 && peer.IsLoopback()) {
		return true
	}
	nets := privateNets
	if len(n.LocalNets) > 0 {
		nets = nets[:0:0]
		for _, s := range n.LocalNets {
			if p, err := netip.ParsePrefix(s); err == nil {
				nets = append(nets, p)
			}
		}
	}
	for _, p := range nets {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

// DrainGrace is how long a box being stopped or drained lets its calls go
// on before it hangs them up: DrainSeconds, DefaultDrainSeconds when 0,
// none when negative.
func (s System) DrainGrace() time.Duration {
	switch {
	case s.DrainSeconds < 0:
		return 0
	case s.DrainSeconds == 0:
		return DefaultDrainSeconds * time.Second
	}
	return time.Duration(s.DrainSeconds) * time.Second
}

// network checks the network and drain settings of the system section.
func (v *validator) network(s System) {
	if s.DrainSeconds < -1 || s.DrainSeconds > MaxDrainSeconds {
		v.add("system.drain_seconds", "%d must be -1 (no wait), 0 (%d seconds) or up to %d", s.DrainSeconds, DefaultDrainSeconds, MaxDrainSeconds)
	}
	n := s.Network
	for _, f := range []struct{ name, addr string }{
		{"external_media_address", n.ExternalMediaAddress}, {"external_signaling_address", n.ExternalSignalingAddress},
	} {
		if f.addr == "" {
			continue
		}
		ip, err := netip.ParseAddr(f.addr)
		switch {
		case err != nil || ip.Zone() != "":
			v.add("system.network."+f.name, "%.64q is not an IP address (host names are not resolved)", f.addr)
		case ip.IsUnspecified() || ip.IsMulticast():
			v.add("system.network."+f.name, "%s must be a unicast address", f.addr)
		}
	}
	if len(n.LocalNets) > MaxLocalNets {
		v.add("system.network.local_nets", "has %d networks, the limit is %d", len(n.LocalNets), MaxLocalNets)
		return
	}
	for i, s := range n.LocalNets {
		if _, err := netip.ParsePrefix(s); err != nil {
			v.add(fmt.Sprintf("system.network.local_nets[%d]", i), "%.64q is not a network in CIDR form (like 192.168.1.0/24)", s)
		}
	}
}
