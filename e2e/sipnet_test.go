package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
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
