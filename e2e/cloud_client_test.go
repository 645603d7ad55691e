// Helpers of the cloud IVR API tests: the config and prompts of a box with
// a cloud IVR, a client of the API, and the box started with a cloud token
// made through the admin API.

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/tone"
)

// The namespace and IVRs of the cloud tests.
const (
	cloudNS     = "test.cc"
	cloudIVR    = "6001" // control "cloud"
	plainIVR    = "6502" // the IVR's own keys: a fallback target
	longIVR     = "6503" // the IVR's own keys, 60 s of long.wav: a call not steered by the cloud
	cloudCaller = "18012345678"
)

// Tones of the cloud tests, in Hz: the caller sends callerHz (1 kHz), the
// box plays these. None is a DTMF pair, none is callerHz.
const (
	greetHz = 500  // greet.wav, the cloud IVR's greeting, 400 ms
	longHz  = 1500 // long.wav, 10 s
	shortHz = 700  // short.wav, 1 s
	urlHz   = 2000 // the application's own HTTP server, 1 s
	plainHz = 2600 // after.wav, the plain IVR's prompt, 600 ms
)

// cloudFreqs are the tones a frame is told by.
var cloudFreqs = []float64{callerHz, greetHz, longHz, shortHz, urlHz, plainHz}

// cloudPrompts are the prompt files of cloudConfig.
var cloudPrompts = map[string][]byte{
	"greet.wav": tone.WAV(tone.Sine([]float64{greetHz}, 400, 0.4)),
	"long.wav":  tone.WAV(tone.Sine([]float64{longHz}, 10000, 0.4)),
	"short.wav": tone.WAV(tone.Sine([]float64{shortHz}, 1000, 0.4)),
	"after.wav": tone.WAV(tone.Sine([]float64{plainHz}, 600, 0.4)),
}

// cloudConfig is a config in namespace test.cc with fork targets on
// loopback allowed, IVR 6001 whose control is cloud (greeting greet.wav,
// its cloud settings the JSON object settings), IVR 6502 playing after.wav
// once, then hanging up, and IVR 6503 playing long.wav for a minute.
func cloudConfig(settings string) string {
	return fmt.Sprintf(`{"version": %d, "system": {"name": "cloud", "fork": {"allow_loopback": true}},
 "cloud": {"namespace": %q},
 "ivrs": [
  {"number": %q, "prompts": ["greet"], "control": "cloud", "cloud": %s},
  {"number": %q, "prompts": ["after"], "repeat": 1},
  {"number": %q, "prompts": ["long"], "repeat": 6}]}`, config.SchemaVersion, cloudNS, cloudIVR, settings, plainIVR, longIVR)
}

// device is the name of number in the tests' namespace.
func device(number string) string { return number + "@" + cloudNS }

// cloudClient calls the box's cloud IVR API.
type cloudClient struct {
	t     *testing.T
	base  string // http://127.0.0.1:port, no trailing slash
	token string // the raw token ("" = no Authorization header)
	auth  string // the Authorization header's value ("" = the raw token)
	wait  time.Duration
}

// apiAnswer is one answer of the cloud IVR API.
type apiAnswer struct {
	Status int
	Body   []byte
	M      map[string]any // the decoded body (nil if it is not a JSON object)
}

// str returns the answer's key as a string (numbers without a fraction).
func (a apiAnswer) str(key string) string { return anyStr(a.M[key]) }

// do sends body (a string is sent as it is, anything else as JSON) to path
// with method and returns the answer.
func (c *cloudClient) do(method, path string, body any) apiAnswer {
	c.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		data, err := json.Marshal(v)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	wait := c.wait
	if wait == 0 {
		wait = 15 * time.Second
	}
	req, err := http.NewRequestWithContext(ctxFor(c.t, wait), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	switch {
	case c.auth != "":
		req.Header.Set("Authorization", c.auth)
	case c.token != "":
		req.Header.Set("Authorization", c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	a := apiAnswer{Status: res.StatusCode}
	a.Body, _ = io.ReadAll(res.Body)
	_ = json.Unmarshal(a.Body, &a.M)
	return a
}

// ok POSTs body to path and fails the test unless the answer is 200 with
// a JSON object.
func (c *cloudClient) ok(path string, body any) apiAnswer {
	c.t.Helper()
	a := c.do("POST", path, body)
	if a.Status != http.StatusOK || a.M == nil {
		c.t.Fatalf("POST %s %s: %d %s, want 200", path, bodyText(body), a.Status, a.Body)
	}
	return a
}

// codeStatus is the HTTP status of each error code (the contract's table).
var codeStatus = map[int]int{2: 400, 10000: 500, 10001: 400, 10002: 404, 10003: 501, 10004: 404,
	10005: 404, 10006: 503, 10007: 503, 401: 401, 429: 429}

// fail sends body to path with method and reports (t.Errorf, the test goes
// on) unless the answer is the error shape with code and its HTTP status:
// {"result":"fail","code":code,"message":"..."}.
func (c *cloudClient) fail(method, path string, body any, code int) apiAnswer {
	c.t.Helper()
	a := c.do(method, path, body)
	what := fmt.Sprintf("%s %s %s", method, path, bodyText(body))
	if a.Status != codeStatus[code] {
		c.t.Errorf("%s: HTTP %d %s, want %d (code %d)", what, a.Status, a.Body, codeStatus[code], code)
		return a
	}
	if a.M == nil {
		c.t.Errorf("%s: the body is not a JSON object: %s", what, a.Body)
		return a
	}
	if a.str("result") != "fail" || a.str("code") != fmt.Sprint(code) || a.str("message") == "" {
		c.t.Errorf("%s: %s, want {\"result\":\"fail\",\"code\":%d,\"message\":...}", what, a.Body, code)
	}
	if _, isNum := a.M["code"].(float64); !isNum {
		c.t.Errorf("%s: code %v is not a JSON number", what, a.M["code"])
	}
	return a
}

// bodyText shows a request body in messages.
func bodyText(body any) string {
	if s, ok := body.(string); ok {
		return s
	}
	data, _ := json.Marshal(body)
	return string(data)
}

// tokenRE is the seed's token form: 8-4-4-4-12 lower-case hex digits.
var tokenRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// cloudBox is a running box with a cloud IVR, its admin client and a cloud
// API client holding a token made through the admin API.
type cloudBox struct {
	*box
	adm *adminClient
	api *cloudClient
}

// startCloudBox starts a box with cfg and the cloud prompts, makes a cloud
// token through the admin API (POST /api/admin/cloud/tokens) and returns
// the box with a client using it.
func startCloudBox(t *testing.T, cfg string) *cloudBox {
	t.Helper()
	b := startBox(t, boxOpts{prompts: cloudPrompts, config: cfg})
	adm := admin(t, b)
	var tok struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Created string `json:"created"`
		Token   string `json:"token"`
	}
	adm.must("POST", "cloud/tokens", map[string]string{"name": "e2e application"}, http.StatusCreated, &tok)
	if !tokenRE.MatchString(tok.Token) || tok.ID == "" || tok.Name != "e2e application" || tok.Created == "" {
		t.Errorf("POST cloud/tokens: %+v, want id, name, created and a 8-4-4-4-12 hex token", tok)
	}
	api := &cloudClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", b.httpPort), token: tok.Token}
	return &cloudBox{box: b, adm: adm, api: api}
}

// subscribe subscribes url to topics ivr and call in the box's namespace
// and returns the subscription's id.
func (cb *cloudBox) subscribe(url string) string {
	cb.t.Helper()
	a := cb.api.ok("/event/subscribe", map[string]any{"url": url, "topics": []string{"ivr", "call"}, "namespace": cloudNS})
	if a.str("result") != "success" || a.str("id") == "" {
		cb.t.Fatalf("subscribe: %s, want {\"id\":...,\"result\":\"success\"}", a.Body)
	}
	return a.str("id")
}

// liveCallInfo is a live call as GET /api/admin/calls lists it.
type liveCallInfo struct {
	ID        string `json:"id"`
	Leg       string `json:"leg"`
	SIPCallID string `json:"sip_call_id"`
	IVR       string `json:"ivr"`
}

// liveCallOf returns the live call whose SIP Call-ID is sipID.
func (cb *cloudBox) liveCallOf(sipID string) liveCallInfo {
	cb.t.Helper()
	var calls []liveCallInfo
	cb.adm.must("GET", "calls", nil, http.StatusOK, &calls)
	for _, c := range calls {
		if c.SIPCallID == sipID {
			return c
		}
	}
	cb.t.Fatalf("no live call with SIP Call-ID %s in %+v", sipID, calls)
	return liveCallInfo{}
}

// monitorBody is a monitor-call request for the call that ev started, to
// the two RTP targets.
func (cb *cloudBox) monitorBody(ev cloudEvent, aRTP, cRTP string) map[string]any {
	return map[string]any{"id": "req-" + ev.str("serial"), "token": cb.api.token, "callId": ev.str("callId"),
		"sip-callId": ev.str("sipCallId"), "from-tag": ev.str("sipFromTag"), "to-tag": ev.str("sipToTag"),
		"a-rtp": aRTP, "c-rtp": cRTP, "deviceId": device(cloudIVR)}
}
