package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// referExpect sends a REFER to target and expects it answered code; for
// 202 it answers the NOTIFYs and checks that the final one reports final
// ("200 OK", "486 Busy Here") as its sipfrag status line.
func (s *scenario) referExpect(target string, code int, final string) *scenario {
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
	s.recv(fmt.Sprintf(`response="%d"`, code))
	if code != 202 {
		return s
	}
	s.steps = append(s.steps, `<recv request="NOTIFY"><action>`+
		`<ereg regexp="SIP/2.0 100 Trying" search_in="body" check_it="true" assign_to="trying"/>`+
		`</action></recv>`, `<Reference variables="trying"/>`)
	s.okLast()
	s.steps = append(s.steps, fmt.Sprintf(`<recv request="NOTIFY"><action>`+
		`<ereg regexp="SIP/2.0 %s" search_in="body" check_it="true" assign_to="final"/>`+
		`</action></recv>`, final), `<Reference variables="final"/>`)
	return s.okLast()
}

// TestReferOutside: a caller's REFER to an outside number is refused (403)
// unless the IVR or the trunk allows REFERs out; when allowed, the box
// dials through the trunk and the final NOTIFY reports the new leg's real
// status: 200 when the trunk answers, 486 when it is busy.
func TestReferOutside(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	adm := admin(t, b)
	uasOK := sippUAS(t, "127.0.0.2", 0, uasAnswer(100*time.Millisecond, 30*time.Second), nil, 1)
	uasBusy := sippUAS(t, "127.0.0.3", 0, uasRefuse("486 Busy Here", 100*time.Millisecond), nil, 1)
	open := peerTrunk("open", uasOK.addr())
	open["refer_out"] = true
	configure(t, adm, nil, pbxSetup{
		trunks:   []map[string]any{open, peerTrunk("closed", uasBusy.addr())},
		outbound: []map[string]any{outRoute("r-open", "open", 0, "10086"), outRoute("r-closed", "closed", 0, "10087")},
	})
	var ivr map[string]any
	adm.must("GET", "ivrs/6500", nil, http.StatusOK, &ivr)
	ivr["refer_out"] = true
	adm.must("PUT", "ivrs/6500", ivr, http.StatusOK, nil)

	// Neither 6501 nor trunk "closed" allows it: the REFER itself gets 403.
	sipp(t, b, "6501", new(scenario).invite(false).answered(false).pause(time.Second).
		referExpect("10087", 403, "").bye(), nil, "udp").wait(t)
	b.waitLog(5*time.Second, "REFER to an outside number refused", "trunk=closed")
	if got := uasBusy.received(); len(got) != 0 {
		t.Fatalf("the refused REFER reached the trunk: %q", got)
	}

	// Trunk "open" allows it: dialled, answered, NOTIFY 200, bridged.
	sipp(t, b, "6501", new(scenario).invite(false).answered(false).pause(time.Second).
		referExpect("10086", 202, "200 OK").pause(500*time.Millisecond).bye(), nil, "udp").wait(t)
	uasOK.wait(t, 10*time.Second)
	if got := strings.Join(uasOK.received(), "|"); !strings.Contains(got, "INVITE sip:10086@") {
		t.Fatalf("trunk open received %q", got)
	}

	// IVR 6500 allows it: dialled through "closed", which is busy; the final
	// NOTIFY says 486 before the box hangs up.
	sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(time.Second).
		referExpect("10087", 202, "486 Busy Here").awaitBye(10*time.Second), nil, "udp").wait(t)
	uasBusy.wait(t, 10*time.Second)
}
