package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// uasHoldAfterAnswer is a UAS that answers, then puts the box on hold with
// a re-INVITE of its own (a=sendonly), checks that the box answers 200
// with a=recvonly, takes it off hold a second later (a=sendrecv both ways),
// and waits for the box's BYE.
func uasHoldAfterAnswer() *scenario {
	s := new(scenario)
	s.recv(`request="INVITE" rrs="true"`)
	s.send(uasReply("100 Trying", "", ""), "")
	s.send(uasReply("180 Ringing", "", ""), "")
	s.send(uasReply("200 OK", "", uasAnswerSDP), `retrans="500"`)
	s.steps = append(s.steps, `<recv request="ACK"><action>`+
		`<ereg regexp=".*" search_in="hdr" header="From:" assign_to="boxside"/>`+
		`<ereg regexp=".*" search_in="hdr" header="To:" assign_to="ourside"/>`+
		`</action></recv>`)
	s.pause(500 * time.Millisecond)
	s.uasReInvite(1, "sendonly", "recvonly")
	s.pause(time.Second)
	s.uasReInvite(2, "sendrecv", "sendrecv")
	return s.awaitBye(20 * time.Second)
}

// TestOutboundCallHeldByCallee: a callee of an API call puts the box on
// hold with a re-INVITE; the box answers it (recvonly), keeps the call and
// hangs up at the end of IVR 6502 as usual.
func TestOutboundCallHeldByCallee(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 0)
	uas := sippUAS(t, "127.0.0.2", 0, uasHoldAfterAnswer(), p, 1)
	configure(t, admin(t, b), nil, pbxSetup{
		trunks:   []map[string]any{peerTrunk("carrier", uas.addr())},
		outbound: []map[string]any{outRoute("mobile", "carrier", 0, "10086")},
		accounts: []map[string]any{account("1000", "mobile")},
	})
	api := newPBX(t, b, "")
	api.mustLogin()
	api.ok("ivr/dial_outbound", map[string]string{"ivrid": "6502", "outto": "10086", "fromext": "1000"})
	uas.wait(t, 30*time.Second)
	b.waitLog(5*time.Second, "event.kind=call.ended", "event.cause=normal")
	if got := strings.Join(p.heard(), ","); !strings.Contains(got, "ok") {
		t.Errorf("the callee heard %q, want the 6502 prompt (ok)", got)
	}
}

// uasReInvite sends the UAS's re-INVITE number seq (after the first ACK's
// From and To were captured) with direction, checks that the box's 200
// answers with want, and ACKs it.
func (s *scenario) uasReInvite(seq int, direction, want string) *scenario {
	body := strings.Replace(uasAnswerSDP, "a=sendrecv", "a="+direction, 1)
	s.send(fmt.Sprintf(`INVITE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: [$ourside]
To: [$boxside]
Call-ID: [call_id]
CSeq: %d INVITE
Contact: <sip:[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]
`, seq)+body, `retrans="500"`)
	s.recv(`response="100" optional="true"`)
	v := fmt.Sprintf("answer%d", seq)
	s.steps = append(s.steps, fmt.Sprintf(`<recv response="200"><action>`+
		`<ereg regexp="a=%s" search_in="body" check_it="true" assign_to="%s"/>`+
		`</action></recv>`, want, v), fmt.Sprintf(`<Reference variables="%s"/>`, v))
	return s.send(fmt.Sprintf(`ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: [$ourside]
To: [$boxside]
Call-ID: [call_id]
CSeq: %d ACK
Max-Forwards: 70
Content-Length: 0
`, seq), "")
}
