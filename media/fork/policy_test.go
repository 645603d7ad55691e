package fork

// The skips in this file are about the host's network (IPv6 loopback, a
// listed loopback interface, Linux-only socket options), never about a
// missing tool, so CI=true does not turn them into failures: CI machines
// without IPv6 still run everything else.

import (
	"errors"
	"net/netip"
	"testing"
)

func TestPolicy(t *testing.T) {
	own := netip.MustParseAddr("192.168.1.20")
	isOwn := func(a netip.Addr) bool { return a == own }
	var (
		zero      = Policy{Own: isOwn}
		loop      = Policy{Own: isOwn, AllowLoopback: true}
		multicast = Policy{AllowMulticast: true}
		lan       = Policy{LANOnly: true}
	)
	tests := []struct {
		policy Policy
		to     string
		ok     bool
	}{
		{zero, "172.16.200.17:33121", true},
		{zero, "192.168.1.21:4000", true},
		{zero, "10.0.0.1:4000", true},
		{zero, "169.254.1.1:4000", true},
		{zero, "8.8.8.8:4000", true},
		{zero, "[2001:db8::1]:4000", true},
		{zero, "[fd00::1]:4000", true},
		{zero, "127.0.0.1:4000", false},
		{zero, "127.9.9.9:4000", false},
		{zero, "[::1]:4000", false},
		{zero, "[::ffff:127.0.0.1]:4000", false},
		{zero, "192.168.1.20:4000", false},
		{zero, "[::ffff:192.168.1.20]:4000", false},
		{zero, "0.0.0.0:4000", false},
		{zero, "[::]:4000", false},
		{zero, "0.1.2.3:4000", false},
		{zero, "240.1.2.3:4000", false},
		{zero, "224.0.0.1:4000", false},
		{zero, "239.1.1.1:4000", false},
		{zero, "[ff02::1]:4000", false},
		{zero, "255.255.255.255:4000", false},
		{zero, "172.16.200.17:0", false},
		{loop, "127.0.0.1:4000", true},
		{loop, "[::1]:4000", true},
		{loop, "192.168.1.20:4000", true},
		{loop, "0.0.0.0:4000", false},
		{loop, "239.1.1.1:4000", false},
		{multicast, "239.1.1.1:4000", true},
		{multicast, "[ff0e::1]:4000", true},
		{multicast, "255.255.255.255:4000", true},
		{multicast, "127.0.0.1:4000", false},
		{multicast, "[::]:4000", false},
		{lan, "192.168.1.21:4000", true},
		{lan, "10.0.0.1:4000", true},
		{lan, "172.31.0.1:4000", true},
		{lan, "169.254.1.1:4000", true},
		{lan, "[fd00::1]:4000", true},
		{lan, "[fe80::1]:4000", true},
		{lan, "8.8.8.8:4000", false},
		{lan, "172.32.0.1:4000", false},
		{lan, "[2001:db8::1]:4000", false},
		{lan, "127.0.0.1:4000", false},
	}
	for _, tt := range tests {
		err := tt.policy.Check(netip.MustParseAddrPort(tt.to))
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrPolicy) {
			t.Errorf("%+v.Check(%s) = %v, want ok %v", tt.policy, tt.to, err, tt.ok)
		}
	}
	if err := (Policy{}).Check(netip.AddrPort{}); !errors.Is(err, ErrPolicy) {
		t.Errorf("zero target: %v", err)
	}
}

// TestIsOwnAddr: the loopback interface's address is the box's own; a
// documentation address is not.
func TestIsOwnAddr(t *testing.T) {
	if !IsOwnAddr(netip.MustParseAddr("127.0.0.1")) {
		t.Skip("no loopback interface listed")
	}
	if IsOwnAddr(netip.MustParseAddr("192.0.2.200")) {
		t.Error("192.0.2.200 is not ours")
	}
	if err := (Policy{Own: IsOwnAddr, AllowLoopback: false}).Check(netip.MustParseAddrPort("127.0.0.1:9")); err == nil {
		t.Error("own address allowed")
	}
}
