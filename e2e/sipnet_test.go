package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// TestLargeUDPAnswer: an INVITE over UDP with a large Record-Route set (its
// 200 OK over 1300 bytes) is answered over UDP and the call set up.
func TestLargeUDPAnswer(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	var rr strings.Builder
	for i := range 10 {
		fmt.Fprintf(&rr, "Record-Route: <sip:proxy%d-with-a-rather-long-name.example.net@[local_ip]:[local_port];lr;ftag=[pid]SIPpTag00[call_number]>\n", i)
	}
	sc := new(scenario)
	sc.cseq = 1
	sc.send(inviteHead+rr.String()+"Content-Type: application/sdp\nContent-Length: [len]\n"+sc.sdp(), `retrans="500"`)
	sc.answered(false).bye()
	run := sipp(t, b, "6500", sc, newPeer(t, 0), "udp")
	run.wait(t)
	msgs, err := os.ReadFile(run.msgF)
	if err != nil {
		t.Fatal(err)
	}
	ok := okSize(string(msgs))
	t.Logf("the 200 OK is %d bytes", ok)
	if ok <= 1300 {
		t.Fatalf("the 200 OK is %d bytes, want over 1300 for the test to mean anything", ok)
	}
}

// TestLargeUDPRequest: the box's own BYE in a dialog with a large route
// set (10 Route headers: over 1300 bytes) reaches a UDP caller.
func TestLargeUDPRequest(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	var rr strings.Builder
	for i := range 10 {
		fmt.Fprintf(&rr, "Record-Route: <sip:proxy%d-with-a-rather-long-name.example.net@[local_ip]:[local_port];lr;ftag=[pid]SIPpTag00[call_number]>\n", i)
	}
	sc := new(scenario)
	sc.cseq = 1
	sc.send(inviteHead+rr.String()+"Content-Type: application/sdp\nContent-Length: [len]\n"+sc.sdp(), `retrans="500"`)
	sc.answered(false).awaitBye(20 * time.Second) // 6502 plays "ok" and hangs up
	run := sipp(t, b, "6502", sc, newPeer(t, 0), "udp")
	run.wait(t)
	msgs, err := os.ReadFile(run.msgF)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(msgs), "BYE sip:")
	if i < 0 {
		t.Fatal("no BYE in SIPp's log")
	}
	head, _, _ := strings.Cut(string(msgs[i:]), "\n\n")
	if n := len(head) + strings.Count(head, "\n") + 4; n <= 1300 {
		t.Fatalf("the BYE is %d bytes, want over 1300 for the test to mean anything", n)
	} else {
		t.Logf("the BYE is %d bytes", n)
	}
}

// okSize finds the first 200 OK to the INVITE in SIPp's message log and
// returns its size (header lines counted with CRLF, plus the body).
func okSize(log string) int {
	i := strings.Index(log, "SIP/2.0 200 OK")
	if i < 0 {
		return 0
	}
	msg := log[i:]
	head, rest, _ := strings.Cut(msg, "\n\n")
	body := ""
	for _, l := range strings.Split(head, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Content-Length:"); ok {
			var n int
			fmt.Sscan(strings.TrimSpace(v), &n)
			body = rest[:min(n, len(rest))]
		}
	}
	return len(head) + strings.Count(head, "\n") + 4 + len(body)
}

// TestTCPTrailingJunk: a valid request followed by junk in the same TCP
// segment gets its answer, the junk is dropped, and the connection still
// carries the next request (also RFC 4475 dblreq: two requests in one
// segment, both answered).
func TestTCPTrailingJunk(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", b.sipPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	box := c.RemoteAddr().String()
	opts := func(cid string) string {
		return fmt.Sprintf("OPTIONS sip:6500@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK-%s\r\n"+
			"From: <sip:t@%s>;tag=1\r\nTo: <sip:6500@%s>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"+
			"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", box, local, cid, local, box, cid)
	}
	send := opts("junk-1") + "\x00\x01garbage that is no SIP at all\r\n" + "more junk\r\n" +
		opts("junk-2") + opts("junk-3")
	if _, err := c.Write([]byte(send)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	want := map[string]bool{"junk-1": true, "junk-2": true, "junk-3": true}
	for len(want) > 0 { // answered in any order: each request has its goroutine
		head, err := readHead(br)
		if err != nil {
			t.Fatalf("waiting for the answers to %v: %v", want, err)
		}
		r, ok := parseReply(head)
		if !ok || r.code != 200 || !want[r.callID] {
			t.Fatalf("got %q, want 200 to one of %v", head, want)
		}
		delete(want, r.callID)
	}
}

// TestIdleConnectionsLowFDLimit: a box limited to 256 file descriptors
// gets 2000 idle connections, SIP over TCP and HTTP, from 20 addresses:
// those over the caps are refused at once, the rest reaped (nothing sent
// within 10 s), the process lives on and answers a SIPp call over TCP and
// an HTTP request afterwards.
func TestIdleConnectionsLowFDLimit(t *testing.T) {
	t.Parallel()
	sipptest.NeedTool(t, "prlimit")
	b := startBox(t, boxOpts{prefix: []string{"prlimit", "--nofile=256:256"}})
	b.waitLog(5*time.Second, "connection limits", "fd_limit=256", "sip_conns=64", "http_conns=64")
	const perAddr, addrs = 50, 20 // 1000 SIP and 1000 HTTP connections
	closed := make(chan struct{}, 2*perAddr*addrs)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range addrs {
		local := &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(2+i))}
		d := net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}
		for _, port := range []int{b.sipPort, b.httpPort} {
			for range perAddr {
				c, err := d.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
				if err != nil {
					t.Fatalf("dial %d from %s: %v", port, local.IP, err)
				}
				conns = append(conns, c)
				go func() { // reports the box's close of c
					_ = c.SetReadDeadline(time.Now().Add(40 * time.Second))
					_, _ = c.Read(make([]byte, 1))
					closed <- struct{}{}
				}()
			}
		}
	}
	for n := range len(conns) {
		select {
		case <-closed:
		case <-b.exited:
			t.Fatalf("ivrbox exited with %d of %d connections closed", n, len(conns))
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d idle connections still open after 30 s", len(conns)-n, len(conns))
		}
	}
	b.waitLog(time.Second, "connections refused: too many connections")
	b.waitLog(time.Second, "http connections refused: too many connections")
	sipp(t, b, "6500", new(scenario).invite(false).answered(false).bye(), newPeer(t, 0), "tcp").wait(t)
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", b.httpPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %s", resp.Status)
	}
	if strings.Contains(b.logs(), "too many open files") {
		t.Error("the box ran out of file descriptors")
	}
}

// TestUDPReceived: the answer to a UDP request whose Via names a host other
// than its source carries received= with the source address (RFC 3261
// section 18.2.1).
func TestUDPReceived(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", b.sipPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := c.LocalAddr().(*net.UDPAddr).Port
	req := fmt.Sprintf("OPTIONS sip:6500@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP phone.example.com:%d;branch=z9hG4bK-rcv\r\n"+
		"From: <sip:p@example.com>;tag=1\r\nTo: <sip:6500@127.0.0.1>\r\nCall-ID: rcv-1\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", port)
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 65535)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	via := headerValue(buf[:n], "via", "v")
	if !strings.Contains(via, "received=127.0.0.1") {
		t.Fatalf("Via %q of the answer has no received=127.0.0.1:\n%s", via, buf[:n])
	}
}
