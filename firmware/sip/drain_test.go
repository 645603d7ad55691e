package sip

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// While draining, a new INVITE and an out-of-dialog OPTIONS get 503 with
// Retry-After; undrained, OPTIONS gets 200 again.
func TestDraining(t *testing.T) {
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) { t.Error("a call reached the handler while draining") }))
	p := newRawPeer(t)
	to := net.UDPAddrFromAddrPort(s.Addr())
	ask := func(method, callID string) string {
		t.Helper()
		p.send(to, fmt.Sprintf(`%s sip:6500@%s SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s;rport
From: <sip:1000@127.0.0.1:%d>;tag=a
To: <sip:6500@%s>
Call-ID: %s
CSeq: 1 %s
Contact: <sip:1000@127.0.0.1:%d>
Max-Forwards: 70
Content-Length: 0

`, method, s.Addr(), p.port(), callID, p.port(), s.Addr(), callID, method, p.port()))
		for {
			msg, _, err := p.read(wait)
			if err != nil {
				t.Fatalf("%s: no answer: %v", method, err)
			}
			if !strings.HasPrefix(msg, "SIP/2.0 1") {
				return msg
			}
		}
	}
	s.SetDraining(true, 1500*time.Millisecond)
	if !s.Draining() {
		t.Fatal("Draining false after SetDraining(true)")
	}
	for _, m := range []string{"INVITE", "OPTIONS"} {
		res := ask(m, "drain-"+m)
		if !strings.HasPrefix(res, "SIP/2.0 503") || header(res, "Retry-After") != "2" {
			t.Fatalf("%s while draining: %q", m, res)
		}
	}
	s.SetDraining(false, 0)
	if res := ask("OPTIONS", "undrained"); !strings.HasPrefix(res, "SIP/2.0 200") {
		t.Fatalf("OPTIONS back in service: %q", res)
	}
}
