package main

import (
	"errors"
	"net"
	"testing"
)

// TestPickAddr: no address picks a free loopback port; a taken one, or one
// off loopback, is refused.
func TestPickAddr(t *testing.T) {
	a, err := pickAddr("sip", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pickAddr("sip", a); err != nil {
		t.Errorf("free %s refused: %v", a, err)
	}
	l, err := net.Listen("tcp", a)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := pickAddr("sip", a); !errors.Is(err, errTaken) {
		t.Errorf("taken %s: %v, want errTaken", a, err)
	}
	if _, err := pickAddr("sip", "192.0.2.1:5060"); err == nil {
		t.Error("an address off loopback accepted")
	}
}
