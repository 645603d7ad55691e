package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The PBX seed's last gaps (issue 14), through the binary: a code ended by
// the digit timeout instead of #, every /api/ path answering the API's JSON,
// a trunk named by its address, a local account's call reported as the
// vendor's ext member, and the seed's spelling of the user event keys.

// seedTrunk is the trunk name of the seed's events.
const seedTrunk = "192.168.9.121"

// TestPBXCodeEndedByTimeout: the seed's story with the callee typing 4321
// and stopping (no #) in 6501. The digit timeout ends the code: the app gets
// it as infos (and DtmfEndString with Info), the callee hears the hold
// prompts, not an invalid-entry replay, and the app's transfer to 6502
// ends the call. The trunk is named as in the seed (192.168.9.121): it is
// accepted, shown by the admin API and reported as the events' trunk; the
// user events carry the seed's Ivrid and Info keys too.
func TestPBXCodeEndedByTimeout(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	app := newAppServer(t, apiSecret)
	p := newPeer(t, 0)
	uas := sippUAS(t, "127.0.0.2", 0, uasAnswer(300*time.Millisecond, 40*time.Second), p, 1)
	adm := admin(t, b)
	sn := configure(t, adm, app, pbxSetup{
		trunks:   []map[string]any{peerTrunk(seedTrunk, uas.addr())},
		outbound: []map[string]any{outRoute("mobile", seedTrunk, 0, "10086")},
		accounts: []map[string]any{account("1000", "mobile")},
	})
	var tr struct {
		Name string `json:"name"`
	}
	adm.must("GET", "trunks/"+seedTrunk, nil, http.StatusOK, &tr)
	if tr.Name != seedTrunk {
		t.Fatalf("GET trunks/%s: name %q", seedTrunk, tr.Name)
	}

	api := newPBX(t, b, "")
	api.mustLogin()
	callid := anyStr(api.ok("ivr/dial_outbound", map[string]string{"ivrid": "6500", "outto": "10086", "fromext": "1000"})["callid"])
	ans := app.waitSig(10*time.Second, callid, "ANSWERED")
	outboundid := ans.leg("outbound")["outboundid"]
	app.waitSig(10*time.Second, callid, "PlayPromptEnd 6500")
	p.rfc4733('1')
	app.waitSig(5*time.Second, callid, "PlayPromptEnd 6501")
	p.waitHeard(time.Second, "password")
	sendKeys(p, "4321") // and nothing more: the 3 s digit timeout ends it
	if got := app.waitSig(10*time.Second, callid, "DTMF infos=4321").str("infos"); got != "4321" {
		t.Fatalf("infos %q, want 4321", got)
	}
	end := app.waitSig(5*time.Second, callid, "DtmfEndString 4321")
	p.waitHeard(5*time.Second, "holdon")
	api.ok("outbound/transfer_number", map[string]string{"outboundid": outboundid, "number": "6502"})
	p.waitHeard(5*time.Second, "ok")
	uas.wait(t, 15*time.Second)
	p.close()
	app.waitSig(10*time.Second, callid, "HANGUP normal")
	app.waitQuiet(300*time.Millisecond, 3*time.Second)

	want := []string{"ALERT", "ANSWERED", "PlayPromptEnd 6500", "DTMF 1/0", "PlayPromptEnd 6501",
		"DTMF 4/1", "DTMF 3/2", "DTMF 2/3", "DTMF 1/4", "DTMF infos=4321", "DtmfEndString 4321",
		"Tranfer ivr:6502", "PlayPromptEnd 6502", "HANGUP normal"}
	evs := ofCall(app.delivered(), callid)
	checkSeq(t, evs, want, sn, "outbound",
		map[string]string{"from": "6500", "to": "10086", "trunk": seedTrunk, "outboundid": outboundid})
	if end.M["info"] != "4321" || end.M["Info"] != "4321" {
		t.Errorf("DtmfEndString: info %v, Info %v, want both 4321: %s", end.M["info"], end.M["Info"], end.Body)
	}
	for _, e := range evs {
		if e.userEvent() == "PlayPromptEnd" && (e.M["Ivrid"] == nil || e.M["Ivrid"] != e.M["ivrid"]) {
			t.Errorf("PlayPromptEnd without the seed's Ivrid equal to ivrid: %s", e.Body)
		}
	}
	heard := strings.Join(p.heard(), ",")
	if !strings.HasPrefix(heard, "notice,confirm,password,holdon") || strings.Count(heard, "password") != 1 {
		t.Errorf("the callee heard %s, want notice,confirm,password,holdon,… (no replay of password)", heard)
	}
}

// TestPBXOtherAPIPaths: requests to other API versions and unknown paths
// under /api/ answer HTTP 200 with the API's JSON (10003; 20001 for GET),
// not the web page's plain-text 405; the admin API under /api/admin/ and
// the real endpoints still answer as before.
func TestPBXOtherAPIPaths(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	adm := admin(t, b)
	configure(t, adm, nil, pbxSetup{})
	api := newPBX(t, b, "")
	api.mustLogin()
	base := fmt.Sprintf("http://127.0.0.1:%d", b.httpPort)
	for _, tc := range []struct{ method, path, errno string }{
		{"POST", "/api/v1.0.0/heartbeat?token=" + api.token, "10003"},
		{"POST", "/api/V1.1.0/heartbeat?token=" + api.token, "10003"},
		{"POST", "/api/v2/heartbeat?token=" + api.token, "10003"},
		{"POST", "/api/v2.0.0/login", "10003"},
		{"POST", "/api/v1.1.0/extension/query?token=" + api.token, "10003"},
		{"POST", "/api/", "10003"},
		{"GET", "/api/v1.0.0/heartbeat", "20001"},
	} {
		status, ctype, body := rawHTTP(t, tc.method, base+tc.path, "{}")
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil || status != http.StatusOK ||
			!strings.HasPrefix(ctype, "application/json") || m["status"] != "Failed" || m["errno"] != tc.errno {
			t.Errorf("%s %s: HTTP %d %s %q, want 200 application/json Failed errno %s", tc.method, tc.path, status, ctype, body, tc.errno)
		}
	}
	api.ok("heartbeat", map[string]string{}) // the real endpoint still works
	var sys map[string]any
	adm.must("GET", "system", nil, http.StatusOK, &sys) // and the admin API
}

// rawHTTP sends one request and returns the status, content type and body.
func rawHTTP(t *testing.T, method, url, body string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), string(out)
}

// TestPBXExtensionCall: local account 1000 (SIPp from 127.0.0.1, not a
// trunk) calls IVR 6500. Its events name it as the vendor names an
// extension, {"ext": {"extid": "1000"}}, not as an inbound leg; the app
// moves it by its callid (calltransfer) to 6502, which hangs up.
func TestPBXExtensionCall(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	app := newAppServer(t, apiSecret)
	p := newPeer(t, 0)
	sn := configure(t, admin(t, b), app, pbxSetup{accounts: []map[string]any{account("1000")}})
	api := newPBX(t, b, "")
	api.mustLogin()
	r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).awaitBye(40*time.Second), p, "udp")
	ans := app.waitFor(10*time.Second, "", "ANSWERED", func(e appEvent) bool { return e.sig() == "ANSWERED" })
	callid := ans.str("callid")
	app.waitSig(10*time.Second, callid, "PlayPromptEnd 6500")
	api.ok("calltransfer", map[string]string{"callid": callid, "transferto": "6502"})
	p.waitHeard(5*time.Second, "ok")
	r.wait(t)
	p.close()
	app.waitSig(10*time.Second, callid, "HANGUP normal")
	app.waitQuiet(300*time.Millisecond, 3*time.Second)

	evs := ofCall(app.delivered(), callid)
	checkSeq(t, evs, []string{"ANSWERED", "PlayPromptEnd 6500", "Tranfer ivr:6502", "PlayPromptEnd 6502", "HANGUP normal"},
		sn, "ext", map[string]string{"extid": "1000"})
	for _, e := range evs {
		if e.leg("inbound") != nil {
			t.Errorf("event %s names the account's call as an inbound leg: %s", e.sig(), e.Body)
		}
		if list, _ := e.M["call"].([]any); len(list) == 0 {
			t.Errorf("event %s has no call members: %s", e.sig(), e.Body)
		}
	}
}
