package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// refer sends a REFER to target, expects 202 and answers the NOTIFYs that
// report the transfer (100 Trying, then the final status).
func (s *scenario) refer(target string) *scenario {
	s.cseq++
	s.send(fmt.Sprintf(`REFER [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: %d REFER
Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
Refer-To: <sip:%s@[remote_ip]:[remote_port]>
Referred-By: <sip:[caller]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
`, s.cseq, target), `retrans="500"`)
	s.recv(`response="202"`)
	for range 2 {
		s.recv(`request="NOTIFY"`).okLast()
	}
	return s
}

// TestReferFromPhone: a caller in IVR 6500 transfers itself with REFER to
// IVR 6502, hears its prompt and is hung up by it.
func TestReferFromPhone(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 0)
	sc := new(scenario).invite(false).answered(false).pause(1500 * time.Millisecond).refer("6502").awaitBye(15 * time.Second)
	r := sipp(t, b, "6500", sc, p, "udp")
	r.wait(t)
	if got := strings.Join(p.heard(), ","); !strings.Contains(got, "ok") {
		t.Fatalf("heard %s, want the 6502 prompt (ok)", got)
	}
	b.waitLog(5*time.Second, "event.kind=ivr.entered", "event.ivr=6502")
}
