package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// A scenario is a SIPp UAC scenario built from steps; the test writes it to a
// file and runs SIPp on it for one call.
type scenario struct {
	steps    []string
	cseq     int
	noEvents bool   // offer no telephone-event (a caller that sends in-band tones)
	media    string // more SDP media lines: a=crypto (srtp_test.go)
	profile  string // the m= line's profile; "": RTP/AVP
}

const inviteSDP = `
v=0
o=sipp 53655765 2353687637 IN IP4 [local_ip]
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio [rtpport] RTP/AVP [codec] 101
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
`

const inviteHead = `INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
User-Agent: SIPp
`

// sdp is the caller's SDP.
func (s *scenario) sdp() string {
	body := inviteSDP
	if s.noEvents {
		body = strings.NewReplacer(" 101\n", "\n", "a=rtpmap:101 telephone-event/8000\n", "", "a=fmtp:101 0-16\n", "").Replace(body)
	}
	if s.profile != "" {
		body = strings.Replace(body, " RTP/AVP ", " "+s.profile+" ", 1)
	}
	return body + s.media
}

// invite sends an INVITE with SDP (late=false) or without (late offer).
func (s *scenario) invite(late bool) *scenario {
	body := "Content-Type: application/sdp\nContent-Length: [len]\n" + s.sdp()
	if late {
		body = "Content-Length: 0\n"
	}
	s.cseq = 1
	return s.send(inviteHead+body, `retrans="500"`)
}

// answered expects the call to be answered and ACKs (with SDP for late offer).
func (s *scenario) answered(late bool) *scenario {
	s.recv(`response="100" optional="true"`).recv(`response="180" optional="true"`).
		recv(`response="183" optional="true"`).recv(`response="200" rrs="true" rtd="true"`)
	ack := `ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
`
	if late {
		ack += "Content-Type: application/sdp\nContent-Length: [len]\n" + s.sdp()
	} else {
		ack += "Content-Length: 0\n"
	}
	return s.send(ack, "")
}

// request sends an in-dialog request and expects 200.
func (s *scenario) request(method, headers, body string) *scenario {
	s.cseq++
	msg := fmt.Sprintf(`%s [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: %d %s
Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
%sContent-Length: [len]

%s`, method, s.cseq, method, headers, body)
	s.send(msg, `retrans="500"`)
	if method == "INVITE" {
		s.recv(`response="100" optional="true"`)
	}
	return s.recv(`response="200"`)
}

// info sends a SIP INFO dtmf-relay key.
func (s *scenario) info(key byte) *scenario {
	return s.request("INFO", "Content-Type: application/dtmf-relay\n", infoBody(key))
}

// bye hangs up from the caller's side.
func (s *scenario) bye() *scenario { return s.request("BYE", "", "") }

// reinvite sends a re-INVITE with direction (sendrecv, sendonly...) and ACKs.
func (s *scenario) reinvite(direction string) *scenario {
	s.request("INVITE", "Content-Type: application/sdp\n", strings.TrimPrefix(s.sdp(), "\n")+"a="+direction+"\n")
	return s.send(fmt.Sprintf(`ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: %d ACK
Max-Forwards: 70
Content-Length: 0
`, s.cseq), "")
}

// refused expects the INVITE to fail with status and ACKs that response.
func (s *scenario) refused(status int) *scenario {
	s.recv(`response="100" optional="true"`).recv(fmt.Sprintf(`response="%d"`, status))
	return s.ackFailure()
}

// ackFailure ACKs a final failure response to the INVITE.
func (s *scenario) ackFailure() *scenario {
	return s.send(`ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
`, "")
}

// awaitBye expects the box to hang up within d and answers its BYE.
func (s *scenario) awaitBye(d time.Duration) *scenario {
	s.recv(fmt.Sprintf(`request="BYE" timeout="%d"`, d.Milliseconds()))
	return s.okLast()
}

// okLast answers the request just received with 200 OK.
func (s *scenario) okLast() *scenario {
	return s.send(`SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
`, "")
}

func (s *scenario) pause(d time.Duration) *scenario {
	s.steps = append(s.steps, fmt.Sprintf(`<pause milliseconds="%d"/>`, d.Milliseconds()))
	return s
}

func (s *scenario) send(msg, attrs string) *scenario {
	msg = strings.ReplaceAll(msg, "\n", "\r\n")
	s.steps = append(s.steps, fmt.Sprintf("<send %s><![CDATA[\n%s\n]]></send>", attrs, msg))
	return s
}

func (s *scenario) recv(attrs string) *scenario {
	s.steps = append(s.steps, fmt.Sprintf("<recv %s/>", attrs))
	return s
}

func (s *scenario) xml() string {
	return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ivrbox-e2e">
` + strings.Join(s.steps, "\n") + `
</scenario>
`
}

// sippRun is one SIPp process placing one call.
type sippRun struct {
	cmd  *exec.Cmd
	out  strings.Builder
	errF string
	msgF string
	done chan error
}

// sipp starts SIPp calling number on the box with the scenario; audio goes to
// the peer's port with payload type pt.
// A codec, when given, overrides the payload type offered.
func sipp(t *testing.T, b *box, number string, sc *scenario, p *peer, transport string, codec ...uint8) *sippRun {
	t.Helper()
	sipptest.NeedTool(t, "sipp")
	dir := t.TempDir()
	f := filepath.Join(dir, "scenario.xml")
	if err := os.WriteFile(f, []byte(sc.xml()), 0o644); err != nil {
		t.Fatal(err)
	}
	rtpPort, pt := freePort(t), uint8(0)
	if p != nil {
		rtpPort, pt = p.port(), p.pt
	}
	if len(codec) > 0 {
		pt = codec[0]
	}
	t1 := "u1"
	if transport == "tcp" {
		t1 = "t1"
	}
	r := &sippRun{errF: filepath.Join(dir, "errors.log"), msgF: filepath.Join(dir, "messages.log"), done: make(chan error, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	r.cmd = exec.CommandContext(ctx, "sipp", fmt.Sprintf("%s:%d", b.sipIP, b.sipPort),
		"-sf", f, "-m", "1", "-l", "1", "-s", number, "-t", t1,
		"-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t)), "-mp", fmt.Sprint(sippMediaPort()),
		"-key", "rtpport", fmt.Sprint(rtpPort), "-key", "codec", fmt.Sprint(pt), "-key", "caller", "1000",
		"-timeout", "60s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", r.errF, "-trace_msg", "-message_file", r.msgF)
	r.cmd.Dir = dir
	r.cmd.Stdout = &r.out
	r.cmd.Stderr = &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	return r
}

// wait waits for SIPp to finish and fails the test unless its call succeeded.
func (r *sippRun) wait(t *testing.T) {
	t.Helper()
	if err := <-r.done; err != nil {
		errs, _ := os.ReadFile(r.errF)
		msgs, _ := os.ReadFile(r.msgF)
		t.Fatalf("sipp failed: %v\nerrors:\n%s\nmessages:\n%s", err, errs, msgs)
	}
}

// callID returns the Call-ID SIPp used (from its message log).
func (r *sippRun) callID(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		msgs, _ := os.ReadFile(r.msgF)
		for _, line := range strings.Split(string(msgs), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Call-ID: "); ok {
				return strings.TrimSpace(v)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no Call-ID in SIPp's message log")
	return ""
}

// sippMediaPorts hands out SIPp's media ports (it binds the port and the one
// two above): 28000-32759, between the boxes' RTP ranges and the kernel's
// ephemeral ports, so nothing else in the tests takes them.
var sippMediaPorts atomic.Int32

func sippMediaPort() int {
	sippMediaPorts.CompareAndSwap(0, int32(rand.IntN(1000)))
	n := sippMediaPorts.Add(1)
	return 28000 + int(n%1190)*4
}
