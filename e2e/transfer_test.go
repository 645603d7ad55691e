package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/tone"
)

// Tones the two ends of a bridged call send each other: on no DTMF
// frequency and apart from the prompts' tones.
const (
	toneAtoB = 500.0
	toneBtoA = 2400.0
)

// playTone sends a sine of freq for d in the peer's audio stream (no
// silence meanwhile).
func (p *peer) playTone(freq float64, d time.Duration) {
	p.sendPCM(tone.Sine([]float64{freq}, int(d.Milliseconds()), 0.3), true)
}

// framesOf counts the frames received since since that carry freq: loud,
// and more than half their energy at freq.
func (p *peer) framesOf(freq float64, since time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, f := range p.frames {
		if f.at.Before(since) || energy(f.pcm[:]) < 1e5 {
			continue
		}
		if tone.Power(f.pcm[:], freq) > 0.5 {
			n++
		}
	}
	return n
}

// eventCount is the number of telephone-event packets received.
func (p *peer) eventCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.events
}

// hears sends a tone from `from` for a second and fails the test unless
// `to` received at least 20 of its 50 frames.
func hears(t *testing.T, from, to *peer, freq float64, what string) {
	t.Helper()
	start := time.Now()
	from.playTone(freq, time.Second)
	time.Sleep(300 * time.Millisecond) // the tail on its way
	if n := to.framesOf(freq, start); n < 20 {
		t.Errorf("%s: %d frames of %.0f Hz arrived, want at least 20 of 50", what, n, freq)
	}
}

// liveCall is a call as the admin API lists it.
type liveCall map[string]any

// liveCalls lists the box's live calls.
func liveCalls(adm *adminClient) []liveCall {
	var out []liveCall
	adm.must("GET", "calls", nil, http.StatusOK, &out)
	return out
}

// TestPBXTransferExternal: a call IVR 6500 placed (SIPp A) is in 6501; a
// transfer to 913800001111 with a fromext not allowed the route is refused
// (documented errno, no INVITE at SIPp B, the call still in its IVR); with
// 1000 the box dials 13800001111 through the route (strip 1) at SIPp B and
// bridges: a tone from A is heard at B and one from B at A, a key A sends
// as RFC 4733 reaches B. The API hangs up, both ends get BYE.
func TestPBXTransferExternal(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	adm := admin(t, b)
	app := newAppServer(t, apiSecret)
	pa, pb := newPeer(t, 0), newPeer(t, 0)
	uasA := sippUAS(t, "127.0.0.2", 0, uasAnswer(200*time.Millisecond, 60*time.Second), pa, 1)
	uasB := sippUAS(t, "127.0.0.2", 0, uasAnswer(200*time.Millisecond, 60*time.Second), pb, 1)
	configure(t, adm, app, pbxSetup{
		trunks: []map[string]any{peerTrunk("carrier", uasA.addr()), peerTrunk("far", uasB.addr())},
		outbound: []map[string]any{
			outRoute("mobile", "carrier", 0, "10086"),
			outRoute("ext", "far", 1, "_9X."),
		},
		accounts: []map[string]any{account("1000", "mobile", "ext"), account("1001", "mobile")},
	})
	api := newPBX(t, b, "")
	api.mustLogin()
	res := api.ok("ivr/dial_outbound", map[string]string{"ivrid": "6500", "outto": "10086", "fromext": "1000"})
	callid := anyStr(res["callid"])
	ans := app.waitSig(10*time.Second, callid, "ANSWERED")
	outboundid := ans.leg("outbound")["outboundid"]
	app.waitSig(10*time.Second, callid, "PlayPromptEnd 6500")
	pa.rfc4733('1')
	app.waitSig(5*time.Second, callid, "PlayPromptEnd 6501") // 4 s of waiting for the code begin

	// Refused: 1001 may not use the route "ext"; no route matches 55555.
	api.failed("outbound/transfer_number", api.token,
		map[string]string{"outboundid": outboundid, "number": "913800001111", "fromext": "1001"}, "no-permission")
	api.failed("outbound/transfer_number", api.token,
		map[string]string{"outboundid": outboundid, "number": "55555", "fromext": "1000"}, "bad-number")
	time.Sleep(300 * time.Millisecond)
	if got := uasB.received(); len(got) != 0 {
		t.Fatalf("SIPp B received %q after refused transfers", got)
	}
	live := liveCalls(adm)
	if len(live) != 1 || live[0]["ivr"] != "6501" || live[0]["bridged"] != nil {
		t.Errorf("live calls after refused transfers: %v, want the one call still in 6501", live)
	}
	// The IVR goes on: its second round of prompts ends.
	app.waitCount(8*time.Second, callid, "PlayPromptEnd 6501", 2)
	for _, e := range ofCall(app.delivered(), callid) {
		if e.isEnd() || e.str("action") == "Tranfer" {
			t.Errorf("event after refused transfers: %s", e.Body)
		}
	}

	// Permitted: through route "ext", 9 stripped.
	api.ok("outbound/transfer_number", map[string]string{"outboundid": outboundid, "number": "913800001111", "fromext": "1000"})
	uasB.waitReceived(t, 10*time.Second, "INVITE sip:13800001111@", 1)
	pb.waitMedia(10 * time.Second)
	pa.waitMedia(time.Second)
	time.Sleep(300 * time.Millisecond) // both ends' streams flowing
	bridged := false
	for _, c := range liveCalls(adm) {
		bridged = bridged || (c["id"] == callid && anyStr(c["bridged"]) != "")
	}
	if !bridged {
		t.Errorf("live calls while bridged: %v, want call %s with bridged set", liveCalls(adm), callid)
	}
	hears(t, pa, pb, toneAtoB, "A→B")
	hears(t, pb, pa, toneBtoA, "B→A")
	before := pb.eventCount()
	pa.rfc4733('5')
	deadline := time.Now().Add(2 * time.Second)
	for pb.eventCount() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if pb.eventCount() == before {
		t.Errorf("the key A sent as RFC 4733 did not reach B as telephone-event")
	}

	api.ok(hangupPath("outbound"), map[string]string{"outboundid": outboundid})
	uasA.wait(t, 10*time.Second)
	uasB.wait(t, 10*time.Second)
	pa.close() // no stray RTP towards a port another box may open
	pb.close()
	app.waitSig(10*time.Second, callid, "HANGUP api")
	checkTransferEvents(t, ofCall(app.delivered(), callid), outboundid)
	deadline = time.Now().Add(5 * time.Second)
	for len(liveCalls(adm)) != 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if live := liveCalls(adm); len(live) != 0 {
		t.Errorf("live calls after the hang-up: %v", live)
	}
}

// hangupPath is the PBX API's hang-up endpoint for a call of kind
// ("outbound" or "inbound").
func hangupPath(kind string) string { return kind + "/hangup" }

// checkTransferEvents checks the events of the transferred call: one
// Tranfer whose new member is the outbound leg to 913800001111 through
// "far", the hang-up naming both parties.
func checkTransferEvents(t *testing.T, evs []appEvent, outboundid string) {
	t.Helper()
	var tr []appEvent
	for _, e := range evs {
		if e.str("action") == "Tranfer" {
			tr = append(tr, e)
		}
	}
	if len(tr) != 1 {
		t.Fatalf("%d Tranfer events, want 1:\n%s", len(tr), dumpEvents(evs))
	}
	list, _ := tr[0].M["call"].([]any)
	if len(list) != 2 || tr[0].leg("outbound")["outboundid"] != outboundid {
		t.Errorf("Tranfer members: %s", tr[0].Body)
	}
	last, _ := list[len(list)-1].(map[string]any)
	far, _ := last["outbound"].(map[string]any)
	if anyStr(far["to"]) != "913800001111" && anyStr(far["to"]) != "13800001111" || anyStr(far["trunk"]) != "far" ||
		anyStr(far["outboundid"]) == "" || anyStr(far["outboundid"]) == outboundid {
		t.Errorf("Tranfer's new leg: %s", tr[0].Body)
	}
	if end := evs[len(evs)-1]; !end.isEnd() {
		t.Errorf("the last event is %s, want the hang-up", end.Body)
	}
}
