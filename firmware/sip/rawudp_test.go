package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// rawPeer is a hand-driven UDP endpoint, for what a sipgo client does not
// let us get wrong on purpose.
type rawPeer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newRawPeer(t *testing.T) *rawPeer {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawPeer{t: t, conn: conn}
}

func (p *rawPeer) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

func (p *rawPeer) send(to net.Addr, msg string) {
	p.t.Helper()
	msg = strings.ReplaceAll(msg, "\n", "\r\n")
	if _, err := p.conn.WriteTo([]byte(msg), to); err != nil {
		p.t.Fatal(err)
	}
}

// read returns the next message's text and where it came from.
func (p *rawPeer) read(timeout time.Duration) (string, net.Addr, error) {
	buf := make([]byte, 65535)
	p.conn.SetReadDeadline(time.Now().Add(timeout))
	n, from, err := p.conn.ReadFrom(buf)
	return string(buf[:n]), from, err
}

// header returns the first value of a header in a raw message.
func header(msg, name string) string {
	for _, line := range strings.Split(msg, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestRportAndAckTimeout sends an INVITE whose Via names a wrong port with
// rport: every response must come back to the real source port with
// rport/received filled; the 200 is retransmitted until 64*T1, then the
// server hangs up with a BYE to the caller.
func TestRportAndAckTimeout(t *testing.T) {
	answerErr := make(chan error, 1)
	dialogs := make(chan *Dialog, 1)
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		dialogs <- d
		_, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1))
		answerErr <- err
	}))
	p := newRawPeer(t)
	server := net.UDPAddrFromAddrPort(s.Addr())
	body := strings.ReplaceAll(string(sdpOffer("sendrecv")), "\r\n", "\n")
	p.send(server, fmt.Sprintf(`INVITE sip:6502@%s SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-raw-1
Max-Forwards: 70
From: "Raw" <sip:2002@127.0.0.1>;tag=raw1
To: <sip:6502@127.0.0.1>
Call-ID: raw-call-1@127.0.0.1
CSeq: 7 INVITE
Contact: <sip:2002@127.0.0.1:%d>
Content-Type: application/sdp
Content-Length: %d

%s`, s.Addr(), p.port(), len(strings.ReplaceAll(body, "\n", "\r\n")), body))

	var statuses []string
	var ok200 int
	for {
		msg, from, err := p.read(wait)
		if err != nil {
			t.Fatalf("after %v: %v", statuses, err)
		}
		if from.String() != s.Addr().String() {
			t.Errorf("message from %v, want the listening socket %v", from, s.Addr())
		}
		first, _, _ := strings.Cut(msg, "\r\n")
		if strings.HasPrefix(first, "BYE ") {
			if header(msg, "Call-ID") != "raw-call-1@127.0.0.1" || !strings.Contains(header(msg, "To"), "tag=raw1") {
				t.Errorf("BYE not in our dialog:\n%s", msg)
			}
			if !strings.HasPrefix(first, fmt.Sprintf("BYE sip:2002@127.0.0.1:%d", p.port())) {
				t.Errorf("BYE Request-URI is not the Contact: %s", first)
			}
			p.send(from, fmt.Sprintf("SIP/2.0 200 OK\nVia: %s\nFrom: %s\nTo: %s\nCall-ID: %s\nCSeq: %s\nContent-Length: 0\n\n",
				header(msg, "Via"), header(msg, "From"), header(msg, "To"), header(msg, "Call-ID"), header(msg, "CSeq")))
			break
		}
		statuses = append(statuses, first)
		via := header(msg, "Via")
		if !strings.Contains(via, fmt.Sprintf("rport=%d", p.port())) || !strings.Contains(via, "received=127.0.0.1") {
			t.Errorf("%s: Via %q lacks rport/received", first, via)
		}
		if strings.HasPrefix(first, "SIP/2.0 200") {
			ok200++
		}
	}
	// No 100 Trying of our own: the answer comes within sipgo's 200 ms
	// (RFC 3261 section 17.2.1), else sipgo sends one.
	if len(statuses) == 0 || statuses[0] != "SIP/2.0 100 Trying" && !strings.HasPrefix(statuses[0], "SIP/2.0 200") {
		t.Errorf("first response %v, want 100 Trying or 200 OK", statuses)
	}
	if ok200 < 4 {
		t.Errorf("200 OK sent %d times, want retransmissions until the ACK timeout", ok200)
	}
	if err := expect(t, answerErr, "Answer"); !errors.Is(err, ErrAckTimeout) {
		t.Errorf("Answer = %v, want ErrAckTimeout", err)
	}
	waitDone(t, expect(t, dialogs, "dialog"), CauseAckTimeout)
}

// rawCall places a call from p with the given Contact and extra headers,
// acknowledges the 200 and returns the BYE the server then sends, after
// answering it.
func rawCall(t *testing.T, p *rawPeer, server net.Addr, callID, contact, extra string) (bye string, from net.Addr) {
	t.Helper()
	body := strings.ReplaceAll(string(sdpOffer("sendrecv")), "\r\n", "\n")
	p.send(server, fmt.Sprintf(`INVITE sip:6503@%s SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%d;rport;branch=z9hG4bK-%s
Max-Forwards: 70
From: <sip:2003@127.0.0.1>;tag=t-%s
To: <sip:6503@127.0.0.1>
Call-ID: %s
CSeq: 1 INVITE
Contact: <%s>
%sContent-Type: application/sdp
Content-Length: %d

%s`, server, p.port(), callID, callID, callID, contact, extra, len(strings.ReplaceAll(body, "\n", "\r\n")), body))
	for {
		msg, from, err := p.read(wait)
		if err != nil {
			t.Fatalf("waiting for the call to proceed: %v", err)
		}
		first, _, _ := strings.Cut(msg, "\r\n")
		switch {
		case strings.HasPrefix(first, "SIP/2.0 200"):
			p.send(from, fmt.Sprintf("ACK %s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-ack-%s\nMax-Forwards: 70\n"+
				"From: %s\nTo: %s\nCall-ID: %s\nCSeq: 1 ACK\nContent-Length: 0\n\n",
				strings.Trim(header(msg, "Contact"), "<>"), p.port(), callID, header(msg, "From"), header(msg, "To"), callID))
		case strings.HasPrefix(first, "BYE "):
			p.send(from, fmt.Sprintf("SIP/2.0 200 OK\nVia: %s\nFrom: %s\nTo: %s\nCall-ID: %s\nCSeq: %s\nContent-Length: 0\n\n",
				header(msg, "Via"), header(msg, "From"), header(msg, "To"), header(msg, "Call-ID"), header(msg, "CSeq")))
			return msg, from
		}
	}
}

// hangUpAfterAck answers, and hangs up once the caller acknowledged; it
// sends each dialog to dialogs.
func hangUpAfterAck(t *testing.T, dialogs chan<- *Dialog) Handler {
	return HandlerFunc(func(ctx context.Context, d *Dialog) {
		dialogs <- d
		if _, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1)); err != nil {
			t.Errorf("Answer: %v", err)
			return
		}
		if err := d.Hangup(ctx); err != nil {
			t.Errorf("Hangup: %v", err)
		}
	})
}

// TestRecordRoute: with a route set, the BYE goes to the first route with
// Route headers and the Contact as Request-URI.
func TestRecordRoute(t *testing.T) {
	dialogs := make(chan *Dialog, 1)
	s := startServer(t, hangUpAfterAck(t, dialogs))
	proxy := newRawPeer(t) // plays the record-routing proxy and the caller
	contact := "sip:2003@127.0.0.1:5999"
	rr := fmt.Sprintf("Record-Route: <sip:127.0.0.1:%d;lr>\n", proxy.port())
	bye, _ := rawCall(t, proxy, net.UDPAddrFromAddrPort(s.Addr()), "rr-1", contact, rr)
	if first, _, _ := strings.Cut(bye, "\r\n"); first != "BYE "+contact+" SIP/2.0" {
		t.Errorf("BYE Request-URI: %s", first)
	}
	if route := header(bye, "Route"); route != fmt.Sprintf("<sip:127.0.0.1:%d;lr>", proxy.port()) {
		t.Errorf("BYE Route %q", route)
	}
	waitDone(t, expect(t, dialogs, "dialog"), CauseHangup)
}

// TestNATContact: a caller whose Contact is a private address other than
// where its INVITE came from gets the BYE at the source address.
func TestNATContact(t *testing.T) {
	dialogs := make(chan *Dialog, 1)
	s := startServer(t, hangUpAfterAck(t, dialogs))
	p := newRawPeer(t)
	contact := "sip:2003@192.168.77.10:5060"
	bye, from := rawCall(t, p, net.UDPAddrFromAddrPort(s.Addr()), "nat-1", contact, "")
	if first, _, _ := strings.Cut(bye, "\r\n"); first != "BYE "+contact+" SIP/2.0" {
		t.Errorf("BYE Request-URI: %s", first)
	}
	if from.String() != s.Addr().String() {
		t.Errorf("BYE from %v, want the listening socket %v", from, s.Addr())
	}
	waitDone(t, expect(t, dialogs, "dialog"), CauseHangup)
}
