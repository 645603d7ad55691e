package sip

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestLateParseRefusal: a UDP request that passes the raw checks but that
// sipgo's parser refuses is answered 400 with its own Via, Call-ID and
// CSeq (found when sipgo logs the failure), each one, and a good request
// after them is served as usual.
func TestLateParseRefusal(t *testing.T) {
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {}))
	if !s.lateOK && runtime.GOOS == "linux" {
		t.Fatal("the listener does not forget its datagram before reading: late refusal is off")
	}
	p := newRawPeer(t)
	server := net.UDPAddrFromAddrPort(s.Addr())
	okOptions := strings.Replace(okOptions, ";branch=", ";rport;branch=", 1) // answers come back here
	p.send(server, strings.ReplaceAll(okOptions, "\r\n", "\n"))
	if got, _, err := p.read(5 * time.Second); err != nil || !strings.HasPrefix(got, "SIP/2.0 200 ") {
		t.Fatalf("good OPTIONS first: %q %v", got, err)
	}
	bad := []struct{ name, old, new string }{
		{"CSeq not a number", "CSeq: 1 OPTIONS", "CSeq: abc OPTIONS"},
		{"Max-Forwards not a number", "Max-Forwards: 70", "Max-Forwards: seventy"},
		{"From without its bracket", "From: <sip:a@127.0.0.1>;tag=1", "From: <sip:a@127.0.0.1;tag=1"},
	}
	for i, b := range bad {
		msg := strings.Replace(okOptions, b.old, b.new, 1)
		msg = strings.Replace(msg, "Call-ID: c1", "Call-ID: late-"+string(rune('a'+i)), 1)
		p.send(server, strings.ReplaceAll(msg, "\r\n", "\n"))
		got, _, err := p.read(5 * time.Second)
		if err != nil {
			t.Fatalf("%s: no answer: %v", b.name, err)
		}
		if !strings.HasPrefix(got, "SIP/2.0 400 ") || header(got, "Call-ID") != "late-"+string(rune('a'+i)) ||
			!strings.Contains(header(got, "Via"), "branch=z9hG4bK1") {
			t.Errorf("%s: answer\n%s", b.name, got)
		}
	}
	p.send(server, strings.ReplaceAll(okOptions, "\r\n", "\n"))
	got, _, err := p.read(5 * time.Second)
	if err != nil || !strings.HasPrefix(got, "SIP/2.0 200 ") {
		t.Fatalf("good OPTIONS after the bad ones: %q %v", got, err)
	}
}
