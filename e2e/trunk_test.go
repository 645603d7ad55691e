package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPBXInboundTrunk: SIPp on 127.0.0.3 (a peer trunk's address) calls the
// DID 02150001234, which an inbound route sends to IVR 6500; the app
// receives the events with "inbound" members (from, to, trunk, inboundid),
// the callee presses 1 and types the code, and inbound/transfer_number
// moves the call to 6502, which says ok and hangs up.
func TestPBXInboundTrunk(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	app := newAppServer(t, apiSecret)
	p := newPeer(t, 0)
	port := freePortOn(t, "127.0.0.3")
	sn := configure(t, admin(t, b), app, pbxSetup{
		trunks:  []map[string]any{peerTrunk("office", "127.0.0.3:"+strconv.Itoa(port))},
		inbound: []map[string]any{{"name": "did", "trunk": "office", "did": "_0X.", "ivr": "6500"}},
	})
	api := newPBX(t, b, "")
	api.mustLogin()
	uac := sippTrunkUAC(t, b, "127.0.0.3", port, "13800138000", "02150001234",
		new(scenario).invite(false).answered(false).awaitBye(40*time.Second), p)
	ans := app.waitFor(10*time.Second, "", "ANSWERED", func(e appEvent) bool { return e.sig() == "ANSWERED" })
	callid, inboundid := ans.str("callid"), ans.leg("inbound")["inboundid"]
	if callid == "" || inboundid == "" {
		t.Fatalf("ANSWERED without callid or inboundid: %s", ans.Body)
	}
	app.waitSig(10*time.Second, callid, "PlayPromptEnd 6500")
	p.rfc4733('1')
	app.waitSig(5*time.Second, callid, "PlayPromptEnd 6501")
	sendKeys(p, "56789#")
	app.waitSig(5*time.Second, callid, "DTMF infos=56789")
	r := api.ok("inbound/transfer_number", map[string]string{"inboundid": inboundid, "number": "6502"})
	if c := anyStr(r["callid"]); c != "" && c != callid && c != inboundid {
		t.Errorf("inbound/transfer_number answered callid %q (call %s, leg %s)", c, callid, inboundid)
	}
	p.waitHeard(5*time.Second, "ok")
	uac.wait(t, 15*time.Second) // the box hung up
	p.close()                   // no stray RTP towards a port another box may open
	app.waitSig(10*time.Second, callid, "HANGUP normal")
	app.waitQuiet(300*time.Millisecond, 3*time.Second)

	evs := ofCall(app.delivered(), callid) // no RING: 6500 answers at once
	want := append([]string{"ANSWERED", "PlayPromptEnd 6500", "DTMF 1/0", "PlayPromptEnd 6501"}, digitSigs("56789#", 1)...)
	want = append(want, "Tranfer ivr:6502", "PlayPromptEnd 6502", "HANGUP normal")
	checkSeq(t, evs, want, sn, "inbound",
		map[string]string{"from": "13800138000", "to": "02150001234", "trunk": "office", "inboundid": inboundid})
	if heard := strings.Join(p.heard(), ","); !strings.HasPrefix(heard, "notice,confirm,password") || !strings.HasSuffix(heard, ",ok") {
		t.Errorf("the caller heard %s", heard)
	}
}

// trunkState is GET trunks/{name}'s registration state.
func trunkState(adm *adminClient, name string) string {
	var v struct {
		State string `json:"state"`
	}
	adm.must("GET", "trunks/"+name, nil, http.StatusOK, &v)
	return v.State
}

// waitTrunkState waits until the trunk shows state.
func waitTrunkState(t *testing.T, adm *adminClient, name, state string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	got := ""
	for time.Now().Before(deadline) {
		if got = trunkState(adm, name); got == state {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("trunk %s is %q after %v, want %q", name, got, d, state)
}

// Register trunk credentials the registrar checks.
const (
	regUser     = "02150001234"
	regPassword = "trunk-pw-e2e"
)

// registerTrunk is a register trunk's POST body for a registrar at host.
func registerTrunk(host string) map[string]any {
	return map[string]any{"name": "provider", "type": "register", "host": host,
		"user": regUser, "password": regPassword, "expiry": 60}
}

// TestTrunkRegister: a register trunk logs in to a SIPp registrar that
// challenges with digest (verifyauth checks the answer); the admin API shows
// it registered, and it refreshes before the short lifetime the registrar
// granted (5 s) runs out.
func TestTrunkRegister(t *testing.T) {
	t.Parallel()
	reg := sippUAS(t, "127.0.0.2", 0, registrar(regUser, regPassword, 5, false), nil, 0)
	b := startBox(t, boxOpts{})
	adm := admin(t, b)
	adm.must("POST", "trunks", registerTrunk(reg.addr()), http.StatusCreated, nil)
	waitTrunkState(t, adm, "provider", "registered", 10*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for countPrefix(reg.sent(), "SIP/2.0 200 OK") < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := countPrefix(reg.sent(), "SIP/2.0 200 OK"); n < 2 {
		t.Errorf("%d registrations accepted in 10 s with a 5 s lifetime, want a refresh", n)
	}
	if n := countPrefix(reg.sent(), "SIP/2.0 403"); n != 0 {
		t.Errorf("the registrar refused %d digest answers", n)
	}
	if st := trunkState(adm, "provider"); st != "registered" {
		t.Errorf("after the refresh the trunk is %q", st)
	}
	b.waitLog(time.Second, "registration", "registered")
}

// TestTrunkRegisterRecovers: a registrar that refuses the credentials (403)
// shows the trunk failed; when a registrar that accepts them is back on the
// same address, the retry (2 s, doubling) registers the trunk.
func TestTrunkRegisterRecovers(t *testing.T) {
	t.Parallel()
	port := freePortOn(t, "127.0.0.2")
	refuser := sippUAS(t, "127.0.0.2", port, registrar(regUser, "not-"+regPassword, 5, true), nil, 1)
	b := startBox(t, boxOpts{})
	adm := admin(t, b)
	adm.must("POST", "trunks", registerTrunk(refuser.addr()), http.StatusCreated, nil)
	start := time.Now()
	waitTrunkState(t, adm, "provider", "failed", 10*time.Second)
	t.Logf("failed after %v", time.Since(start))
	refuser.wait(t, 5*time.Second) // it refused once and went away
	t.Logf("refusing registrar gone after %v", time.Since(start))
	if n := countPrefix(refuser.sent(), "SIP/2.0 403"); n != 1 {
		t.Errorf("the refusing registrar sent %d×403, want 1", n)
	}
	b.waitLog(time.Second, "registration", "failed", "403")
	accepter := sippUAS(t, "127.0.0.2", port, registrar(regUser, regPassword, 30, false), nil, 0)
	t.Cleanup(b.stop) // before SIPp's: the box un-registers as it stops
	waitTrunkState(t, adm, "provider", "registered", 15*time.Second)
	t.Logf("registered after %v", time.Since(start))
	if n := countPrefix(accepter.sent(), "SIP/2.0 200 OK"); n < 1 {
		t.Errorf("the registrar accepted %d registrations", n)
	}
}

// inboundBooking sets up a box with a peer trunk on 127.0.0.3 whose DID
// goes to 6500 and events to app, then SIPp calls in: the caller presses 1
// after confirm, types 56789# after password, and hangs up holdFor after
// answering. It returns the box, the caller's peer and SIPp.
func inboundBooking(t *testing.T, app *appServer, holdFor time.Duration) (*box, *peer, *trunkSIPp) {
	t.Helper()
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 0)
	port := freePortOn(t, "127.0.0.3")
	configure(t, admin(t, b), app, pbxSetup{
		trunks:  []map[string]any{peerTrunk("office", fmt.Sprintf("127.0.0.3:%d", port))},
		inbound: []map[string]any{{"name": "did", "trunk": "office", "did": "_0X.", "ivr": "6500"}},
	})
	uac := sippTrunkUAC(t, b, "127.0.0.3", port, "13800138000", "02150001234",
		new(scenario).invite(false).answered(false).pause(holdFor).bye(), p)
	return b, p, uac
}

// bookingKeys plays the caller's part of inboundBooking: 1 in the wait
// after confirm, the code in the wait after password; it returns once hold
// music plays.
func bookingKeys(t *testing.T, p *peer) {
	t.Helper()
	p.waitHeard(10*time.Second, "confirm")
	time.Sleep(900 * time.Millisecond) // confirm over: PlayPromptEnd 6500 first
	p.rfc4733('1')
	p.waitHeard(3*time.Second, "password")
	time.Sleep(800 * time.Millisecond) // password over: PlayPromptEnd 6501 first
	sendKeys(p, "56789#")
	p.waitHeard(3*time.Second, "holdon")
}

// bookingSigs are the events inboundBooking's call sends, from ANSWERED on.
func bookingSigs() []string {
	want := append([]string{"ANSWERED", "PlayPromptEnd 6500", "DTMF 1/0", "PlayPromptEnd 6501"}, digitSigs("56789#", 1)...)
	return append(want, "BYE remote-bye")
}

// callEvents returns the delivered events of the box's one call.
func callEvents(app *appServer) []appEvent { return app.delivered() }

// TestPBXEventsAppDown: the app server is down while a call runs; once it
// is back every stored event arrives, in order, none lost; then it fails
// each event's first attempt, and the repeats carry the same id and body.
func TestPBXEventsAppDown(t *testing.T) {
	t.Parallel()
	app := newAppServer(t, apiSecret)
	app.down()
	b, p, uac := inboundBooking(t, app, 5500*time.Millisecond)
	bookingKeys(t, p) // about 4 s of events while the app is down
	if n := len(app.requests()); n != 0 {
		t.Fatalf("%d requests reached a closed port", n)
	}
	app.setFailFirst(true)
	app.up()
	back := time.Now()
	uac.wait(t, 15*time.Second)
	p.close() // no stray RTP towards a port another box may open
	// The first event failed while the app was down, each time waiting
	// longer (docs/EVENTS.md): its next attempt may come up to 60 s after
	// the app is back, and the other events follow it.
	if !app.waitUntil(time.Until(back.Add(90*time.Second)), func() bool { return slices.ContainsFunc(app.delivered(), appEvent.isEnd) }) {
		t.Fatalf("app server: no end event within 90 s of coming back; every request:\n%s\nthe box's events and delivery:\n%s",
			dumpEvents(app.requests()), b.grepLog(60, "component=outbox", "event.kind=", "level=ERROR", "panic", "msg=processors"))
	}
	app.waitQuiet(time.Second, 5*time.Second)
	evs := callEvents(app)
	if got, want := sigs(evs), bookingSigs(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events after the app came back:\n  got  %q\n  want %q\n%s", got, want, dumpEvents(evs))
	}
	if !idsIncrease(evs) {
		t.Errorf("event ids do not increase in arrival order:\n%s", dumpEvents(evs))
	}
	byID := map[string][]appEvent{}
	for _, r := range app.requests() {
		byID[r.ID] = append(byID[r.ID], r)
	}
	for id, rs := range byID {
		if len(rs) < 2 {
			t.Errorf("event %s arrived once; its first attempt was answered 500", id)
		}
		for i, r := range rs {
			if r.Body != rs[0].Body || r.CallHdr != rs[0].CallHdr || !r.SigOK {
				t.Errorf("event %s: attempt %s differs from the first or is badly signed:\n%s\n%s", id, r.Attempt, rs[0].Body, r.Body)
			}
			if n, _ := strconv.Atoi(r.Attempt); i > 0 && n <= atoi(rs[i-1].Attempt) {
				t.Errorf("event %s: attempt %s after %s", id, r.Attempt, rs[i-1].Attempt)
			}
		}
	}
	if len(evs) > 0 && evs[0].Attempt == "1" {
		t.Errorf("the first event arrived on attempt 1, though the app was down when it happened")
	}
	b.waitLog(time.Second, "msg=event", "event.kind=call.ended")
}

// TestPBXEventsSlowApp: an app server that takes 2 s to answer each event
// does not slow the call: the caller's whole flow (answer, 1, code, hold
// music) goes on while the events queue up; afterwards all arrive in order.
func TestPBXEventsSlowApp(t *testing.T) {
	t.Parallel()
	app := newAppServer(t, apiSecret)
	app.setDelay(2 * time.Second)
	_, p, uac := inboundBooking(t, app, 5500*time.Millisecond)
	start := time.Now()
	bookingKeys(t, p)
	flow := time.Since(start)
	if n := len(app.delivered()); n >= len(bookingSigs())-1 {
		t.Errorf("%d events were answered during the flow: the app was not slow", n)
	}
	// Every event waits 2 s for the one before it: had the call waited for
	// them, the flow would have taken over 20 s.
	if flow > 15*time.Second {
		t.Errorf("the flow took %v with a slow app server", flow)
	}
	uac.wait(t, 15*time.Second)
	p.close() // no stray RTP towards a port another box may open
	app.setDelay(0)
	app.waitFor(30*time.Second, "", "the end", appEvent.isEnd)
	app.waitQuiet(500*time.Millisecond, 5*time.Second)
	evs := callEvents(app)
	if got, want := sigs(evs), bookingSigs(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events from the slow app server:\n  got  %q\n  want %q\n%s", got, want, dumpEvents(evs))
	}
	if !idsIncrease(evs) {
		t.Errorf("event ids do not increase in arrival order:\n%s", dumpEvents(evs))
	}
}
