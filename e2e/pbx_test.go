package e2e

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The PBX API (Yeastar v1.1.0 style) as an application server uses it.

// API user and password the tests configure.
const (
	apiUser     = "api"
	apiPassword = "e2e-api-password"
	apiSecret   = "e2e-event-secret"
)

// errno names the documented error codes the tests expect (docs/API-PBX.md).
var errno = map[string]string{
	"token-blank":   "20005", // no token given
	"token-unknown": "20004", // no such token
	"bad-json":      "20000", // the body is not the JSON asked for
	"no-call":       "10007", // the call does not exist
	"no-ivr":        "10012", // the IVR does not exist
	"no-ext":        "10006", // the fromext account does not exist
	"no-permission": "10024", // routes match the number but fromext may use none
	"bad-number":    "10031", // no outbound route matches the number
	"login-failed":  "20003", // wrong user or password
	"blocked":       "20002", // the address is blocked after failed logins
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// pbxClient is an application server's client of the PBX API.
type pbxClient struct {
	t     *testing.T
	base  string // http://127.0.0.1:port/api/v1.1.0/
	token string
	hc    *http.Client
}

// newPBX returns a client of b's PBX API whose requests come from localIP
// ("" = any loopback address).
func newPBX(t *testing.T, b *box, localIP string) *pbxClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if localIP != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}, Timeout: 5 * time.Second}
		tr.DialContext = d.DialContext
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &pbxClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d/api/v1.1.0/", b.httpPort),
		hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// raw POSTs body (a string is sent as is, anything else as JSON) to path
// with token ("" = no token parameter) and returns the decoded answer.
func (c *pbxClient) raw(path, token string, body any) map[string]any {
	c.t.Helper()
	var data []byte
	if s, ok := body.(string); ok {
		data = []byte(s)
	} else {
		var err error
		if data, err = json.Marshal(body); err != nil {
			c.t.Fatal(err)
		}
	}
	url := c.base + path
	if token != "" {
		url += "?token=" + token
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(data))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		c.t.Fatalf("POST %s: HTTP %d, answer is not a JSON object: %v: %q", path, res.StatusCode, err, out)
	}
	if res.StatusCode != http.StatusOK {
		c.t.Errorf("POST %s: HTTP %d, the PBX API answers 200 with a status: %s", path, res.StatusCode, out)
	}
	return m
}

// ok POSTs with the client's token and fails the test unless the answer
// is {"status":"Success",...}.
func (c *pbxClient) ok(path string, body any) map[string]any {
	c.t.Helper()
	m := c.raw(path, c.token, body)
	if m["status"] != "Success" {
		c.t.Fatalf("POST %s %v: %v, want Success", path, body, m)
	}
	return m
}

// failed POSTs with token and fails the test unless the answer is
// {"status":"Failed","errno":errno[code]}.
func (c *pbxClient) failed(path, token string, body any, code string) {
	c.t.Helper()
	m := c.raw(path, token, body)
	if m["status"] != "Failed" || anyStr(m["errno"]) != errno[code] {
		c.t.Errorf("POST %s %v: %v, want Failed errno %s (%s)", path, body, m, errno[code], code)
	}
}

// login logs in with the MD5 of password and keeps the token.
func (c *pbxClient) login(user, password string) map[string]any {
	c.t.Helper()
	return c.raw("login", "", map[string]string{"username": user, "password": md5hex(password),
		"port": "8260", "version": "1.1.0"})
}

// mustLogin logs in as the configured API user.
func (c *pbxClient) mustLogin() {
	c.t.Helper()
	m := c.login(apiUser, apiPassword)
	tok, _ := m["token"].(string)
	if m["status"] != "Success" || tok == "" {
		c.t.Fatalf("login: %v", m)
	}
	c.token = tok
}

// pbxSetup is what the tests configure through the admin API.
type pbxSetup struct {
	trunks   []map[string]any // POST trunks bodies (password included)
	inbound  []map[string]any // inbound routes
	outbound []map[string]any // outbound routes
	accounts []map[string]any // POST accounts bodies
}

// configure sets API access (user, password, app URL, secret), the
// trunks, routes and accounts through the admin API, and returns the box's
// serial number (the events' sn).
func configure(t *testing.T, adm *adminClient, app *appServer, s pbxSetup) string {
	t.Helper()
	access := map[string]any{"user": apiUser, "password": apiPassword, "secret": apiSecret}
	if app != nil {
		access["app_url"] = app.url()
	}
	adm.must("PUT", "api-access", access, http.StatusOK, nil)
	for _, tr := range s.trunks {
		adm.must("POST", "trunks", tr, http.StatusCreated, nil)
	}
	if s.inbound == nil {
		s.inbound = []map[string]any{}
	}
	if s.outbound == nil {
		s.outbound = []map[string]any{}
	}
	adm.must("PUT", "routes", map[string]any{"inbound": s.inbound, "outbound": s.outbound}, http.StatusOK, nil)
	for _, a := range s.accounts {
		adm.must("POST", "accounts", a, http.StatusCreated, nil)
	}
	var sys struct {
		SN string `json:"sn"`
	}
	adm.must("GET", "system", nil, http.StatusOK, &sys)
	if sys.SN == "" {
		t.Fatal("the box has no serial number")
	}
	return sys.SN
}

// peerTrunk is a peer trunk's POST body.
func peerTrunk(name, host string) map[string]any {
	return map[string]any{"name": name, "type": "peer", "host": host}
}

// outRoute is an outbound route.
func outRoute(name string, trunk string, strip int, patterns ...string) map[string]any {
	return map[string]any{"name": name, "patterns": patterns, "trunks": []string{trunk}, "strip": strip}
}

// account is an account's POST body.
func account(ext string, routes ...string) map[string]any {
	if routes == nil {
		routes = []string{}
	}
	return map[string]any{"ext": ext, "password": "acct-" + ext, "outbound_routes": routes}
}

// sendKeys sends each key as RFC 4733 with a short gap.
func sendKeys(p *peer, keys string) {
	for _, k := range []byte(keys) {
		p.rfc4733(k)
		time.Sleep(60 * time.Millisecond)
	}
}

// digitSigs are the DTMF sigs of keys with flags from flag on, then the
// string and its user event.
func digitSigs(keys string, flag int) []string {
	var out []string
	for i, k := range []byte(keys) {
		out = append(out, fmt.Sprintf("DTMF %c/%d", k, flag+i))
	}
	return append(out, "DTMF infos="+strings.TrimSuffix(keys, "#"), "DtmfEndString "+keys)
}

// checkSeq fails the test unless the call's delivered events have the
// wanted sigs in order, each with the call's id, sn and leg (kind
// "outbound" or "inbound" with want's fields), and a valid signature.
func checkSeq(t *testing.T, evs []appEvent, want []string, sn, kind string, leg map[string]string) {
	t.Helper()
	if got := sigs(evs); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events in order:\n  got  %q\n  want %q\n%s", got, want, dumpEvents(evs))
	}
	for _, e := range evs {
		if e.str("sn") != sn {
			t.Errorf("event %s: sn %q, want %q", e.sig(), e.str("sn"), sn)
		}
		if !e.SigOK {
			t.Errorf("event %s: bad X-Ivrbox-Signature", e.sig())
		}
		if e.CallHdr != e.str("callid") {
			t.Errorf("event %s: X-Ivrbox-Call-Id %q, body callid %q", e.sig(), e.CallHdr, e.str("callid"))
		}
		if e.userEvent() != "" && e.M["call"] == nil {
			continue // a user event need not repeat the call members
		}
		got := e.leg(kind)
		for k, v := range leg {
			if got[k] != v {
				t.Errorf("event %s: call[].%s.%s = %q, want %q (%s)", e.sig(), kind, k, got[k], v, e.Body)
			}
		}
	}
}

// TestPBXExamBooking is the seed's whole story over the API: the app server
// logs in, IVR 6500 calls 10086 through a peer trunk (SIPp on 127.0.0.2,
// audio at a Go peer), the callee presses 1 and types a code, the app
// receives every event and moves the call: to 6502 (right code: ok, hung
// up) or first to 6503 (wrong code: password1, typed again) and then 6502.
func TestPBXExamBooking(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"right-code", "wrong-code"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			b := startBox(t, boxOpts{tones: true})
			app := newAppServer(t, apiSecret)
			p := newPeer(t, 0)
			uas := sippUAS(t, "127.0.0.2", 0, uasAnswer(300*time.Millisecond, 40*time.Second), p, 1)
			sn := configure(t, admin(t, b), app, pbxSetup{
				trunks:   []map[string]any{peerTrunk("carrier", uas.addr())},
				outbound: []map[string]any{outRoute("mobile", "carrier", 0, "10086", "_1XXXXXXXXXX")},
				accounts: []map[string]any{account("1000", "mobile")},
			})
			api := newPBX(t, b, "")
			api.mustLogin()
			res := api.ok("ivr/dial_outbound", map[string]string{"ivrid": "6500", "outto": "10086", "fromext": "1000"})
			callid := anyStr(res["callid"])
			if callid == "" {
				t.Fatalf("dial_outbound: no callid in %v", res)
			}
			app.waitSig(10*time.Second, callid, "ALERT")
			ans := app.waitSig(10*time.Second, callid, "ANSWERED")
			outboundid := ans.leg("outbound")["outboundid"]
			if outboundid == "" {
				t.Fatalf("ANSWERED has no outboundid: %s", ans.Body)
			}
			app.waitSig(10*time.Second, callid, "PlayPromptEnd 6500")
			p.rfc4733('1')
			app.waitSig(5*time.Second, callid, "PlayPromptEnd 6501")
			p.waitHeard(time.Second, "password")
			sendKeys(p, "56789#")
			want := []string{"ALERT", "ANSWERED", "PlayPromptEnd 6500", "DTMF 1/0", "PlayPromptEnd 6501"}
			want = append(want, digitSigs("56789#", 1)...)
			if app.waitSig(5*time.Second, callid, "DTMF infos=56789").str("infos") != "56789" {
				t.Fatal("no code")
			}
			if path == "wrong-code" { // the app finds the code wrong: 6503, type again
				r := api.ok("outbound/transfer_number", map[string]string{"outboundid": outboundid, "number": "6503", "fromext": "1000"})
				if c := anyStr(r["callid"]); c != "" && c != callid && c != outboundid {
					t.Errorf("transfer_number answered callid %q (call %s, leg %s)", c, callid, outboundid)
				}
				p.waitHeard(5*time.Second, "password1")
				app.waitSig(5*time.Second, callid, "PlayPromptEnd 6503")
				sendKeys(p, "24680#")
				app.waitSig(5*time.Second, callid, "DTMF infos=24680")
				want = append(want, "Tranfer ivr:6503", "PlayPromptEnd 6503")
				want = append(want, digitSigs("24680#", 7)...)
			}
			api.ok("outbound/transfer_number", map[string]string{"outboundid": outboundid, "number": "6502", "fromext": "1000"})
			p.waitHeard(5*time.Second, "ok")
			uas.wait(t, 15*time.Second) // the box hung up: BYE reached SIPp
			p.close()                   // no stray RTP towards a port another box may open
			app.waitSig(10*time.Second, callid, "HANGUP normal")
			want = append(want, "Tranfer ivr:6502", "PlayPromptEnd 6502", "HANGUP normal")
			app.waitQuiet(300*time.Millisecond, 3*time.Second)
			checkSeq(t, ofCall(app.delivered(), callid), want, sn, "outbound",
				map[string]string{"from": "6500", "to": "10086", "trunk": "carrier", "outboundid": outboundid})

			heard := strings.Join(p.heard(), ",")
			if !strings.HasPrefix(heard, "notice,confirm,password") || !strings.HasSuffix(heard, ",ok") ||
				(path == "wrong-code" && !strings.Contains(heard, ",password1,")) {
				t.Errorf("the callee heard %s, want notice,confirm,password,…(password1,…)ok", heard)
			}
			if inv := uas.received(); len(inv) == 0 || !strings.HasPrefix(inv[0], "INVITE sip:10086@") {
				t.Errorf("SIPp received %q, want an INVITE to 10086 first", inv)
			}
		})
	}
}

// TestPBXBadRequests: requests without a token, with a wrong one, with
// broken JSON, for an unknown call or IVR, or with a fromext without
// permission each answer the documented error, and nothing happens: no
// INVITE reaches the trunk, no call is live, no event is sent. Five failed
// logins from one address block it (logged); other addresses still log in.
func TestPBXBadRequests(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	app := newAppServer(t, apiSecret)
	trunk := newSniffer(t, "127.0.0.2")
	adm := admin(t, b)
	configure(t, adm, app, pbxSetup{
		trunks:   []map[string]any{peerTrunk("carrier", trunk.addr())},
		outbound: []map[string]any{outRoute("mobile", "carrier", 0, "10086", "_1XXXXXXXXXX")},
		accounts: []map[string]any{account("1000", "mobile"), account("1001")},
	})
	api := newPBX(t, b, "")
	api.mustLogin()
	dial := map[string]string{"ivrid": "6500", "outto": "10086", "fromext": "1000"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range dial {
			m[a] = b
		}
		m[k] = v
		return m
	}
	api.failed("ivr/dial_outbound", "", dial, "token-blank")
	api.failed("ivr/dial_outbound", "0123456789abcdef0123456789abcdef", dial, "token-unknown")
	api.failed("ivr/dial_outbound", api.token, `{"ivrid": "6500", "outto": `, "bad-json")
	api.failed("ivr/dial_outbound", api.token, with("ivrid", "6999"), "no-ivr")
	api.failed("ivr/dial_outbound", api.token, with("fromext", "1001"), "no-permission")
	api.failed("ivr/dial_outbound", api.token, with("fromext", "1999"), "no-ext")
	api.failed("ivr/dial_outbound", api.token, with("outto", "55555"), "bad-number")
	api.failed("outbound/transfer_number", api.token,
		map[string]string{"outboundid": "1700000000.999", "number": "6502", "fromext": "1000"}, "no-call")
	api.failed("inbound/transfer_number", api.token,
		map[string]string{"inboundid": "1700000000.999", "number": "6502"}, "no-call")
	api.failed("outbound/transfer_number", "", map[string]string{"outboundid": "1700000000.999", "number": "6502"}, "token-blank")

	time.Sleep(time.Second) // anything wrongly started would show by now
	if m := trunk.messages(); len(m) != 0 {
		t.Errorf("the trunk received %q, want nothing", m)
	}
	var live []map[string]any
	adm.must("GET", "calls", nil, http.StatusOK, &live)
	if len(live) != 0 {
		t.Errorf("live calls after refused requests: %v", live)
	}
	q := api.ok("call/query", map[string]string{})
	if o, _ := q["outbound"].([]any); len(o) != 0 {
		t.Errorf("call/query after refused requests: %v", q)
	}
	if i, _ := q["inbound"].([]any); len(i) != 0 {
		t.Errorf("call/query after refused requests: %v", q)
	}
	if r := app.requests(); len(r) != 0 {
		t.Errorf("events after refused requests:\n%s", dumpEvents(r))
	}

	// Five failed logins from 127.0.0.5 block it, even for the right password.
	bad := newPBX(t, b, "127.0.0.5")
	for i := 1; i <= 5; i++ {
		m := bad.login(apiUser, "wrong password")
		if m["status"] != "Failed" || m["token"] != nil ||
			(anyStr(m["errno"]) != errno["login-failed"] && (i < 5 || anyStr(m["errno"]) != errno["blocked"])) {
			t.Errorf("failed login %d: %v, want Failed errno %s", i, m, errno["login-failed"])
		}
	}
	if m := bad.login(apiUser, apiPassword); m["status"] != "Failed" || anyStr(m["errno"]) != errno["blocked"] {
		t.Errorf("login after 5 failures: %v, want Failed errno %s (blocked)", m, errno["blocked"])
	}
	b.waitLog(5*time.Second, "127.0.0.5", "block")
	other := newPBX(t, b, "127.0.0.1")
	other.mustLogin() // another address is not blocked
	other.ok("heartbeat", map[string]string{})
	other.ok("logout", map[string]string{})
	other.failed("heartbeat", other.token, map[string]string{}, "token-unknown")
}

// TestPBXDialBusy: a callee that rings and answers 486 ends the call placed
// by dial_outbound with ALERT and then CallFailed naming the SIP failure;
// no call stays live.
func TestPBXDialBusy(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	adm := admin(t, b)
	app := newAppServer(t, apiSecret)
	uas := sippUAS(t, "127.0.0.2", 0, uasRefuse("486 Busy Here", 200*time.Millisecond), nil, 1)
	sn := configure(t, adm, app, pbxSetup{
		trunks:   []map[string]any{peerTrunk("carrier", uas.addr())},
		outbound: []map[string]any{outRoute("mobile", "carrier", 0, "10086")},
		accounts: []map[string]any{account("1000", "mobile")},
	})
	api := newPBX(t, b, "")
	api.mustLogin()
	callid := anyStr(api.ok("ivr/dial_outbound", map[string]string{"ivrid": "6500", "outto": "10086", "fromext": "1000"})["callid"])
	uas.wait(t, 10*time.Second)
	end := app.waitFor(10*time.Second, callid, "the end", appEvent.isEnd)
	evs := ofCall(app.delivered(), callid)
	if got := sigs(evs); len(got) != 2 || got[0] != "ALERT" || end.str("action") != "CallFailed" {
		t.Errorf("events of a busy callee: %q\n%s", got, dumpEvents(evs))
	}
	if r := end.str("reason"); !strings.HasPrefix(r, "486") {
		t.Errorf("CallFailed reason %q, want 486 Busy Here", r)
	}
	out, _ := end.M["outbound"].(map[string]any)
	if anyStr(out["to"]) != "10086" || anyStr(out["trunk"]) != "carrier" || end.str("sn") != sn {
		t.Errorf("CallFailed: %s", end.Body)
	}
	if live := liveCalls(adm); len(live) != 0 {
		t.Errorf("live calls after the failure: %v", live)
	}
}
