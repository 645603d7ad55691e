package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// adminClient talks to the box's admin API over loopback.
type adminClient struct {
	t      *testing.T
	base   string // http://127.0.0.1:port/api/admin/
	cookie string // session cookie value, or ""
	token  string // bearer token, or ""
}

// do sends a JSON request and returns the status, headers and body.
func (c *adminClient) do(method, path string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctxFor(c.t, 10*time.Second), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "ivrbox_session", Value: c.cookie})
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, data
}

// must sends a request, checks the status and decodes the answer into out.
func (c *adminClient) must(method, path string, body any, code int, out any) http.Header {
	c.t.Helper()
	got, h, data := c.do(method, path, body)
	if got != code {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, got, code, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return h
}

// TestAdminAPIChangesTheIVR: on a fresh box the admin password is set over
// HTTP, a token is made, 6502's prompts are changed with it, and the next
// call to 6502 hears the change; the live call is listed while it lasts and
// its record afterwards.
func TestAdminAPIChangesTheIVR(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	web := &adminClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d/api/admin/", b.httpPort)}
	var session struct {
		SetupNeeded bool `json:"setup_needed"`
		LoggedIn    bool `json:"logged_in"`
	}
	web.must("GET", "session", nil, http.StatusOK, &session)
	if !session.SetupNeeded {
		t.Fatal("a fresh box does not ask for setup")
	}
	web.must("GET", "ivrs", nil, http.StatusUnauthorized, nil)
	h := web.must("POST", "setup", map[string]string{"password": "e2e admin password"}, http.StatusOK, nil)
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "ivrbox_session" {
			web.cookie = c.Value
		}
	}
	var tok struct {
		Token string `json:"token"`
	}
	web.must("POST", "tokens", map[string]string{"name": "e2e"}, http.StatusCreated, &tok)
	script := &adminClient{t: t, base: web.base, token: tok.Token}

	ivr := map[string]any{"name": "Booking confirmed", "prompts": []string{"confirm"}, "repeat": 1, "wait": 3,
		"timeout": map[string]string{"type": "hangup"}}
	var got struct {
		Number  string   `json:"number"`
		Prompts []string `json:"prompts"`
	}
	script.must("PUT", "ivrs/6502", ivr, http.StatusOK, &got)
	if got.Number != "6502" || strings.Join(got.Prompts, ",") != "confirm" {
		t.Fatalf("PUT ivrs/6502 answered %+v", got)
	}

	p := newPeer(t, 0)
	r := sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "udp")
	type liveCall struct {
		ID, From, To, Codec string
		SIPCallID           string `json:"sip_call_id"`
	}
	var live []liveCall
	deadline := time.Now().Add(10 * time.Second)
	for len(live) == 0 && time.Now().Before(deadline) {
		script.must("GET", "calls", nil, http.StatusOK, &live)
		time.Sleep(50 * time.Millisecond)
	}
	if len(live) != 1 || live[0].To != "6502" || live[0].From != "1000" || live[0].Codec != "PCMU" {
		t.Fatalf("live calls during the call: %+v", live)
	}
	r.wait(t)
	if heard := p.heard(); strings.Join(heard, ",") != "confirm" {
		t.Fatalf("heard %v, want [confirm]", heard)
	}
	if live[0].SIPCallID != r.callID(t) {
		t.Errorf("listed call's SIP Call-ID %q, SIPp's %q", live[0].SIPCallID, r.callID(t))
	}

	var recs []struct {
		ID    string   `json:"id"`
		Cause string   `json:"cause"`
		IVRs  []string `json:"ivrs"`
	}
	deadline = time.Now().Add(10 * time.Second)
	for len(recs) == 0 && time.Now().Before(deadline) {
		script.must("GET", "records", nil, http.StatusOK, &recs)
		time.Sleep(50 * time.Millisecond)
	}
	if len(recs) != 1 || recs[0].ID != live[0].ID || strings.Join(recs[0].IVRs, ",") != "6502" || recs[0].Cause != "normal" {
		t.Errorf("records after the call: %+v", recs)
	}
	script.must("GET", "calls", nil, http.StatusOK, &live)
	if len(live) != 0 {
		t.Errorf("live calls after the call: %+v", live)
	}
}

// TestAdminRestartInProcess: POST restart brings the box down and up again
// in the same process, on the same ports, with the session still valid, and
// it then takes calls.
func TestAdminRestartInProcess(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	web := &adminClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d/api/admin/", b.httpPort)}
	h := web.must("POST", "setup", map[string]string{"password": "e2e admin password"}, http.StatusOK, nil)
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "ivrbox_session" {
			web.cookie = c.Value
		}
	}
	web.must("POST", "restart", nil, http.StatusAccepted, nil)
	b.waitLog(10*time.Second, "msg=restarting")
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(b.logs(), `msg="ivrbox ready"`) < 2 {
		select {
		case <-b.exited:
			t.Fatalf("ivrbox exited instead of restarting:\n%s", b.logs())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready again after the restart:\n%s", b.logs())
		}
	}
	var session struct {
		LoggedIn bool `json:"logged_in"`
	}
	web.must("GET", "session", nil, http.StatusOK, &session)
	if !session.LoggedIn {
		t.Error("the session did not survive the restart")
	}
	p := newPeer(t, 0)
	sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "udp").wait(t)
	if heard := p.heard(); strings.Join(heard, ",") != "ok" {
		t.Fatalf("heard %v after the restart, want [ok]", heard)
	}
}
