package config

import (
	"net/netip"
	"strings"
	"testing"
)

func TestNetworkAddresses(t *testing.T) {
	n := Network{ExternalMediaAddress: "203.0.113.7", ExternalSignalingAddress: "203.0.113.8"}
	for _, tt := range []struct {
		peer     string
		external bool
	}{
		{"127.0.0.1", false}, {"192.168.1.20", false}, {"10.1.2.3", false}, {"::1", false},
		{"198.51.100.4", true}, {"2001:db8::1", true},
	} {
		ip, ok := n.MediaAddress(netip.MustParseAddr(tt.peer))
		if ok != tt.external || (ok && ip.String() != "203.0.113.7") {
			t.Errorf("MediaAddress(%s) = %v %v, want external %v", tt.peer, ip, ok, tt.external)
		}
		if ip, ok := n.SignalingAddress(netip.MustParseAddr(tt.peer)); ok != tt.external || (ok && ip.String() != "203.0.113.8") {
			t.Errorf("SignalingAddress(%s) = %v %v", tt.peer, ip, ok)
		}
	}
	n.LocalNets = []string{"198.51.100.0/24"} // replaces the private ranges
	if _, ok := n.MediaAddress(netip.MustParseAddr("198.51.100.4")); ok {
		t.Error("a peer in local_nets got the external address")
	}
	if _, ok := n.MediaAddress(netip.MustParseAddr("192.168.1.20")); !ok {
		t.Error("with local_nets set, a private peer outside them is external")
	}
	if _, ok := n.MediaAddress(netip.MustParseAddr("127.0.0.1")); !ok {
		t.Error("with local_nets set without loopback, a loopback peer is external")
	}
	if _, ok := (Network{}).MediaAddress(netip.MustParseAddr("198.51.100.4")); ok {
		t.Error("no external address set, yet one given")
	}
}

func TestNetworkValidation(t *testing.T) {
	c := Defaults()
	c.System.DrainSeconds = -2
	c.System.Network = Network{ExternalMediaAddress: "box.example.com", ExternalSignalingAddress: "0.0.0.0",
		LocalNets: []string{"10.0.0.0/8", "192.168.1.1"}}
	var fields []string
	for _, p := range Problems(Validate(c)) {
		fields = append(fields, p.Field)
	}
	want := "system.drain_seconds system.network.external_media_address system.network.external_signaling_address system.network.local_nets[1]"
	if got := strings.Join(fields, " "); got != want {
		t.Fatalf("problems on %q, want %q", got, want)
	}
	c.System.DrainSeconds = 60
	c.System.Network = Network{ExternalMediaAddress: "203.0.113.7", LocalNets: []string{"10.0.0.0/8", "fd00::/8"}}
	if err := Validate(c); err != nil {
		t.Fatal(err)
	}
	if g := c.System.DrainGrace(); g.Seconds() != 60 {
		t.Fatalf("DrainGrace = %v", g)
	}
}
