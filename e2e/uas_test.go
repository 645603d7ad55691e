package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// SIPp on its own loopback address plays a trunk: a UAS that the box calls
// out to, a UAC that calls the box from the trunk's address, or a registrar
// that a register trunk logs in to. Its RTP goes to a Go peer (rtp_test.go)
// on 127.0.0.1, so audio and digits are checked in Go.

// uasAnswerSDP answers the box's offer (PCMU, PCMA, telephone-event 101)
// with PCMU and telephone-event 101, RTP to the peer's port.
const uasAnswerSDP = `
v=0
o=sipp 53655765 2353687637 IN IP4 [local_ip]
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio [rtpport] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
`

// uasReply is a response to the last request received, with To's tag.
func uasReply(status string, extra, body string) string {
	msg := "SIP/2.0 " + status + `
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpUAS[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
` + extra
	if body == "" {
		return msg + "Content-Length: 0\n"
	}
	return msg + "Content-Type: application/sdp\nContent-Length: [len]\n" + body
}

// uasAnswer builds a UAS scenario: it takes an INVITE, rings for ring
// (180), answers with SDP pointing at the peer, takes the ACK and then
// waits up to byeWait for the box's BYE, which it answers.
func uasAnswer(ring, byeWait time.Duration) *scenario {
	s := new(scenario)
	s.recv(`request="INVITE"`)
	s.send(uasReply("100 Trying", "", ""), "")
	s.send(uasReply("180 Ringing", "", ""), "")
	s.pause(ring)
	s.send(uasReply("200 OK", "", uasAnswerSDP), `retrans="500"`)
	s.recv(`request="ACK"`)
	return s.awaitBye(byeWait)
}

// uasRefuse builds a UAS scenario that refuses the INVITE with status
// (e.g. "486 Busy Here") after ringing for ring, and takes the ACK.
func uasRefuse(status string, ring time.Duration) *scenario {
	s := new(scenario)
	s.recv(`request="INVITE"`)
	s.send(uasReply("100 Trying", "", ""), "")
	s.send(uasReply("180 Ringing", "", ""), "")
	s.pause(ring)
	s.send(uasReply(status, "", ""), `retrans="500"`)
	return s.recv(`request="ACK"`)
}

// registrar builds a looping registrar scenario: every REGISTER is
// challenged (401, digest MD5), the answer is checked with verifyauth for
// user and password, and a good one gets 200 granting expires seconds, a bad
// one 403. With refuseOnce the scenario ends after its first 403 (a
// registrar that refuses and goes away); otherwise it loops for refreshes.
func registrar(user, password string, expires int, refuseOnce bool) *scenario {
	s := new(scenario)
	s.steps = append(s.steps, `<label id="top"/>`)
	s.recv(`request="REGISTER"`)
	s.send(`SIP/2.0 401 Unauthorized
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpReg[call_number]
[last_Call-ID:]
[last_CSeq:]
WWW-Authenticate: Digest realm="trunk.test", nonce="[pid]n[call_number]x[clock_tick]", algorithm=MD5
Content-Length: 0
`, "")
	s.steps = append(s.steps, fmt.Sprintf(`<recv request="REGISTER"><action><verifyauth assign_to="authvalid" username="%s" password="%s"/></action></recv>`, user, password))
	s.steps = append(s.steps, `<nop hide="true" test="authvalid" next="good"/>`)
	next := `next="top"`
	if refuseOnce {
		next = `next="end"`
	}
	s.send(`SIP/2.0 403 Forbidden
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpReg[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
`, next)
	s.steps = append(s.steps, `<label id="good"/>`)
	s.send(fmt.Sprintf(`SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpReg[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Contact:];expires=%d
Content-Length: 0
`, expires), `next="top"`)
	s.steps = append(s.steps, `<label id="end"/>`)
	return s
}

// trunkSIPp is one SIPp process playing a trunk on its own loopback address.
type trunkSIPp struct {
	ip     string
	port   int
	cmd    *exec.Cmd
	out    strings.Builder
	errF   string
	msgF   string
	cancel context.CancelFunc
	exited chan struct{} // closed when SIPp has ended; err is set then
	err    error
}

// addr is the trunk's host:port.
func (r *trunkSIPp) addr() string { return fmt.Sprintf("%s:%d", r.ip, r.port) }

// freePortOn returns a UDP port free on ip (and on 127.0.0.1, so the
// media and box ports handed out elsewhere do not collide with it).
func freePortOn(t *testing.T, ip string) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		p := freePort(t)
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip), Port: p})
		if err == nil {
			u.Close()
			return p
		}
	}
	t.Fatalf("no free port on %s", ip)
	return 0
}

// sippUAS starts SIPp as a UAS on ip:port (port 0: a free one) running
// the scenario for calls calls (0: until the test ends), with RTP of the
// answer pointing at the peer p (nil: nowhere). It returns once SIPp
// listens.
func sippUAS(t *testing.T, ip string, port int, sc *scenario, p *peer, calls int) *trunkSIPp {
	t.Helper()
	if port == 0 {
		port = freePortOn(t, ip)
	}
	rtpPort := 9 // discard
	if p != nil {
		rtpPort = p.port()
	}
	args := []string{"-sf", "", "-t", "u1", "-i", ip, "-p", fmt.Sprint(port),
		"-mp", fmt.Sprint(sippMediaPort()), "-key", "rtpport", fmt.Sprint(rtpPort),
		"-timeout", "120s", "-timeout_error", "-nostdin"}
	if calls > 0 {
		args = append(args, "-m", fmt.Sprint(calls))
	}
	r := startTrunkSIPp(t, ip, port, sc, args)
	r.waitBound(t)
	return r
}

// sippTrunkUAC starts SIPp as a UAC on ip:port (the trunk's address)
// calling number on the box with caller id caller, running the scenario
// for one call with the caller's RTP at the peer p.
func sippTrunkUAC(t *testing.T, b *box, ip string, port int, caller, number string, sc *scenario, p *peer) *trunkSIPp {
	t.Helper()
	rtpPort, pt := freePort(t), uint8(0)
	if p != nil {
		rtpPort, pt = p.port(), p.pt
	}
	args := []string{fmt.Sprintf("127.0.0.1:%d", b.sipPort), "-sf", "", "-m", "1", "-l", "1",
		"-s", number, "-t", "u1", "-i", ip, "-p", fmt.Sprint(port), "-mp", fmt.Sprint(sippMediaPort()),
		"-key", "rtpport", fmt.Sprint(rtpPort), "-key", "codec", fmt.Sprint(pt), "-key", "caller", caller,
		"-timeout", "90s", "-timeout_error", "-nostdin"}
	return startTrunkSIPp(t, ip, port, sc, args)
}

// startTrunkSIPp writes the scenario and starts SIPp with args ("-sf" is
// followed by an empty slot for the scenario file).
func startTrunkSIPp(t *testing.T, ip string, port int, sc *scenario, args []string) *trunkSIPp {
	t.Helper()
	sipptest.NeedTool(t, "sipp")
	dir := t.TempDir()
	f := filepath.Join(dir, "scenario.xml")
	if err := os.WriteFile(f, []byte(sc.xml()), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if a == "-sf" {
			args[i+1] = f
		}
	}
	r := &trunkSIPp{ip: ip, port: port, errF: filepath.Join(dir, "errors.log"),
		msgF: filepath.Join(dir, "messages.log"), exited: make(chan struct{})}
	args = append(args, "-trace_err", "-error_file", r.errF, "-trace_msg", "-message_file", r.msgF)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	r.cancel = cancel
	r.cmd = exec.CommandContext(ctx, "sipp", args...)
	r.cmd.Dir = dir
	r.cmd.Stdout = &r.out
	r.cmd.Stderr = &r.out
	if err := r.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(r.stop)
	return r
}

// waitBound waits until SIPp holds its UDP port.
func (r *trunkSIPp) waitBound(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(r.ip), Port: r.port})
		if err != nil {
			return // taken: SIPp listens
		}
		u.Close()
		select {
		case <-r.exited:
			t.Fatalf("sipp on %s exited before listening: %v\n%s", r.addr(), r.err, r.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("sipp on %s does not listen", r.addr())
}

// stop ends SIPp (its own process only) if it still runs, and waits for it.
func (r *trunkSIPp) stop() {
	r.cancel()
	<-r.exited
}

// wait waits up to d for SIPp to end and fails the test unless its
// scenario succeeded.
func (r *trunkSIPp) wait(t *testing.T, d time.Duration) {
	t.Helper()
	err := error(nil)
	select {
	case <-r.exited:
		err = r.err
	case <-time.After(d):
		r.stop()
		err = fmt.Errorf("still running after %v", d)
	}
	if err != nil {
		errs, _ := os.ReadFile(r.errF)
		t.Fatalf("sipp on %s failed: %v\noutput:\n%s\nerrors:\n%s\nmessages:\n%s", r.addr(), err,
			lastLines(r.out.String(), 30), errs, r.messages())
	}
}

// messages is SIPp's message log so far.
func (r *trunkSIPp) messages() string {
	b, _ := os.ReadFile(r.msgF)
	return string(b)
}

// received returns the start lines of the SIP messages SIPp received.
func (r *trunkSIPp) received() []string { return r.startLines("message received") }

// sent returns the start lines of the SIP messages SIPp sent.
func (r *trunkSIPp) sent() []string { return r.startLines("message sent") }

// startLines returns the first line of each message in SIPp's message log
// whose header line contains marker.
func (r *trunkSIPp) startLines(marker string) []string {
	var out []string
	lines := strings.Split(r.messages(), "\n")
	for i, l := range lines {
		if !strings.Contains(l, marker) {
			continue
		}
		for j := i + 1; j < len(lines) && j < i+4; j++ {
			if s := strings.TrimSpace(lines[j]); s != "" {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// countPrefix counts the lines that start with prefix.
func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// waitReceived waits until SIPp received n requests or responses whose
// start line begins with prefix.
func (r *trunkSIPp) waitReceived(t *testing.T, d time.Duration, prefix string, n int) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if countPrefix(r.received(), prefix) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sipp on %s: %d×%q received within %v, want %d; received %q", r.addr(),
		countPrefix(r.received(), prefix), prefix, d, n, r.received())
}

func lastLines(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// sipSniffer listens on a trunk's address in place of SIPp and records
// every datagram: a trunk that must see no INVITE.
type sipSniffer struct {
	conn *net.UDPConn
	mu   sync.Mutex
	got  []string
	wg   sync.WaitGroup
}

// newSniffer listens on ip (a free port).
func newSniffer(t *testing.T, ip string) *sipSniffer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip), Port: freePortOn(t, ip)})
	if err != nil {
		t.Fatal(err)
	}
	s := &sipSniffer{conn: c}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 65536)
		for {
			n, _, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.got = append(s.got, string(buf[:n]))
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close(); s.wg.Wait() })
	return s
}

func (s *sipSniffer) addr() string { return s.conn.LocalAddr().String() }

// messages returns the first lines of what arrived.
func (s *sipSniffer) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.got {
		first, _, _ := strings.Cut(m, "\r\n")
		out = append(out, first)
	}
	return out
}
