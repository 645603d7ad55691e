package conf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/api/internal/authlimit"
	"github.com/ivrbox/ivrbox/firmware/call"
	rooms "github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/config"
)

const (
	confToken  = "conf-token-1"
	cloudToken = "cloud-token-1"
)

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// rig is an API over fakes, on a clock the test moves.
type rig struct {
	t     *testing.T
	rooms *fakeRooms
	calls *fakeCalls
	now   time.Time
	h     http.Handler
}

func newRig(t *testing.T) *rig {
	t.Helper()
	cfg := &config.Config{Cloud: config.Cloud{Tokens: []config.CloudToken{
		{ID: "c", SHA256: hashOf(confToken), APIs: []string{config.APIConf}},
		{ID: "k", SHA256: hashOf(cloudToken), APIs: []string{config.APICloud, config.APIWS}},
	}}}
	rg := &rig{t: t, rooms: newFakeRooms(), calls: &fakeCalls{live: map[string]call.Info{}},
		now: time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)}
	rg.h = New(Options{Rooms: rg.rooms, Calls: rg.calls, Config: func() *config.Config { return cfg },
		Now: func() time.Time { return rg.now }}).Handler()
	return rg
}

// answer is a decoded answer.
type answer struct {
	status int
	hdr    http.Header
	body   map[string]any
	raw    string
}

func (a answer) code() string  { s, _ := a.body["statusCode"].(string); return s }
func (a answer) field() string { s, _ := a.body["field"].(string); return s }

// call sends method path with body (JSON text, "" none) and the conference
// token, then hdr's headers (which may replace it).
func (rg *rig) call(method, path, body string, hdr ...string) answer {
	rg.t.Helper()
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	r.Header.Set("Authorization", "Bearer "+confToken)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "RemoteAddr" {
			r.RemoteAddr = hdr[i+1]
			continue
		}
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
			continue
		}
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	rg.h.ServeHTTP(w, r)
	a := answer{status: w.Code, hdr: w.Header(), raw: w.Body.String()}
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		rg.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &a.body); err != nil {
		rg.t.Fatalf("%s %s: answer %q: %v", method, path, a.raw, err)
	}
	if _, ok := a.body["statusCode"]; !ok {
		rg.t.Errorf("%s %s: no statusCode in %s", method, path, a.raw)
	}
	if a.status >= 400 {
		if msg, _ := a.body["statusMsg"].(string); msg == "" {
			rg.t.Errorf("%s %s: error without statusMsg: %s", method, path, a.raw)
		}
	}
	return a
}

// want checks an answer's status and code.
func (rg *rig) want(a answer, status int, code Code) {
	rg.t.Helper()
	if a.status != status || a.code() != string(code) {
		rg.t.Errorf("answer %d %s, want %d %s: %s", a.status, a.code(), status, code, a.raw)
	}
}

func TestAuth(t *testing.T) {
	rg := newRig(t)
	a := rg.call("GET", "/conf/v1/conferences", "", "Authorization", "")
	rg.want(a, 401, CodeUnauthorized)
	if !strings.HasPrefix(a.hdr.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", a.hdr.Get("WWW-Authenticate"))
	}
	rg.want(rg.call("GET", "/conf/v1/conferences", "", "Authorization", "Bearer nope"), 401, CodeUnauthorized)
	rg.want(rg.call("GET", "/conf/v1/conferences", "", "Authorization", "Bearer "+cloudToken), 401, CodeUnauthorized)
	rg.want(rg.call("GET", "/conf/v1/conferences", "", "Authorization", "Basic "+confToken), 401, CodeUnauthorized)
	// Unknown endpoints are not told apart before authentication.
	rg.want(rg.call("GET", "/conf/v1/nothing", "", "Authorization", ""), 401, CodeUnauthorized)
	rg.want(rg.call("GET", "/conf/v1/conferences", ""), 200, CodeOK)
	rg.want(rg.call("GET", "/conf/v1/conferences", "", "Authorization", "bearer  "+confToken+" "), 200, CodeOK)
	rg.want(rg.call("GET", "/conf/v1/conferences", "", "Authorization", "", "X-Auth-Token", confToken), 200, CodeOK)
}

func TestAuthThrottle(t *testing.T) {
	rg := newRig(t)
	const bad, other = "192.0.2.7:4000", "192.0.2.8:4000"
	for i := 0; i < authlimit.FailLimit; i++ {
		rg.want(rg.call("GET", "/conf/v1/conferences", "", "Authorization", "Bearer wrong", "RemoteAddr", bad), 401, CodeUnauthorized)
	}
	rg.want(rg.call("GET", "/conf/v1/conferences", "", "RemoteAddr", bad), 429, CodeTooMany)
	rg.want(rg.call("GET", "/conf/v1/conferences", "", "RemoteAddr", other), 200, CodeOK)
	rg.now = rg.now.Add(authlimit.Block + time.Second)
	rg.want(rg.call("GET", "/conf/v1/conferences", "", "RemoteAddr", bad), 200, CodeOK)
}

func TestCreateListGetEnd(t *testing.T) {
	rg := newRig(t)
	a := rg.call("POST", "/conf/v1/conferences", "")
	rg.want(a, 201, CodeOK)
	if a.body["confid"] != "12345678" {
		t.Fatalf("confid %v", a.body["confid"])
	}
	if c := a.body["conference"].(map[string]any); c["maxmember"] != 10.0 || c["membercount"] != 0.0 || c["confid"] != "12345678" {
		t.Errorf("conference %v", c)
	}
	if s := rg.rooms.rooms["12345678"].spec; !s.JoinTone || !s.LeaveTone {
		t.Errorf("default voicemod: spec %+v, want tones", s)
	}
	a = rg.call("POST", "/conf/v1/conferences", `{"confid":"room-1","maxmember":5,"voicemod":0}`)
	rg.want(a, 201, CodeOK)
	if s := rg.rooms.rooms["room-1"].spec; s.MaxMembers != 5 || s.JoinTone || s.LeaveTone {
		t.Errorf("spec %+v", s)
	}
	rg.want(rg.call("POST", "/conf/v1/conferences", `{"confid":"room-1"}`), 409, CodeConfExists)

	a = rg.call("GET", "/conf/v1/conferences", "")
	rg.want(a, 200, CodeOK)
	list := a.body["conferences"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["confid"] != "12345678" || list[1].(map[string]any)["confid"] != "room-1" {
		t.Errorf("list %s", a.raw)
	}

	rg.rooms.join("room-1", "1700000000.1", false)
	rg.rooms.join("room-1", "1700000000.2", true)
	rg.calls.live["1700000000.1"] = call.Info{ID: "1700000000.1", Dir: "inbound", From: "6001", To: "6500"}
	rg.calls.live["1700000000.2"] = call.Info{ID: "1700000000.2", Dir: "outbound", From: "conf:room-1", To: "13800000000"}
	a = rg.call("GET", "/conf/v1/conferences/room-1", "")
	rg.want(a, 200, CodeOK)
	c := a.body["conference"].(map[string]any)
	ms := c["members"].([]any)
	if c["membercount"] != 2.0 || len(ms) != 2 {
		t.Fatalf("get %s", a.raw)
	}
	m0, m1 := ms[0].(map[string]any), ms[1].(map[string]any)
	if m0["callSid"] != "1700000000.1" || m0["number"] != "6001" || m0["muted"] != false ||
		m1["number"] != "13800000000" || m1["muted"] != true {
		t.Errorf("members %s", a.raw)
	}
	a = rg.call("GET", "/conf/v1/conferences/room-1/members", "")
	rg.want(a, 200, CodeOK)
	if len(a.body["members"].([]any)) != 2 || a.body["confid"] != "room-1" {
		t.Errorf("members %s", a.raw)
	}
	a = rg.call("GET", "/conf/v1/conferences/12345678/", "") // a trailing slash is the same endpoint
	rg.want(a, 200, CodeOK)
	if _, has := a.body["conference"].(map[string]any)["members"]; has {
		t.Errorf("an empty room lists members: %s", a.raw)
	}

	rg.want(rg.call("DELETE", "/conf/v1/conferences/room-1", ""), 200, CodeOK)
	rg.want(rg.call("GET", "/conf/v1/conferences/room-1", ""), 404, CodeNoConf)
	rg.want(rg.call("GET", "/conf/v1/conferences/room-1/members", ""), 404, CodeNoConf)
	rg.want(rg.call("DELETE", "/conf/v1/conferences/room-1", ""), 404, CodeNoConf)
}

func TestCreateRefused(t *testing.T) {
	big := `{"confid":"` + strings.Repeat("x", MaxBody) + `"}`
	for _, tc := range []struct {
		name, body, ctype string
		status            int
		code              Code
		field             string
	}{
		{"maxmember low", `{"maxmember":2}`, "", 400, CodeInvalid, "maxmember"},
		{"maxmember high", `{"maxmember":301}`, "", 400, CodeInvalid, "maxmember"},
		{"maxmember negative", `{"maxmember":-1}`, "", 400, CodeInvalid, "maxmember"},
		{"voicemod", `{"voicemod":3}`, "", 400, CodeInvalid, "voicemod"},
		{"confid chars", `{"confid":"a b"}`, "", 400, CodeInvalid, "confid"},
		{"confid long", `{"confid":"` + strings.Repeat("1", 33) + `"}`, "", 400, CodeInvalid, "confid"},
		{"unknown field", `{"maxmember":5,"autojoin":true}`, "", 400, CodeMalformed, "autojoin"},
		{"wrong type", `{"maxmember":"5"}`, "", 400, CodeMalformed, "maxmember"},
		{"array", `[1]`, "", 400, CodeMalformed, ""},
		{"trailing", `{} {}`, "", 400, CodeMalformed, ""},
		{"malformed", `{"maxmember":`, "", 400, CodeMalformed, ""},
		{"syntax", `{maxmember:5}`, "", 400, CodeMalformed, ""},
		{"too large", big, "", 413, CodeTooLarge, ""},
		{"not json", `maxmember=5`, "application/x-www-form-urlencoded", 415, CodeMediaType, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rg := newRig(t)
			hdr := []string{}
			if tc.ctype != "" {
				hdr = append(hdr, "Content-Type", tc.ctype)
			}
			a := rg.call("POST", "/conf/v1/conferences", tc.body, hdr...)
			rg.want(a, tc.status, tc.code)
			if a.field() != tc.field {
				t.Errorf("field %q, want %q: %s", a.field(), tc.field, a.raw)
			}
			if len(rg.rooms.rooms) != 0 {
				t.Error("a room was made")
			}
		})
	}
}

func TestInvite(t *testing.T) {
	rg := newRig(t)
	rg.want(rg.call("POST", "/conf/v1/conferences", `{"confid":"88888888","maxmember":3}`), 201, CodeOK)
	a := rg.call("POST", "/conf/v1/conferences/88888888/invite", `{"number":"13800000000","fromext":"1000"}`)
	rg.want(a, 200, CodeOK)
	if a.body["callSid"] != "1700000000.1" || a.body["confid"] != "88888888" {
		t.Errorf("answer %s", a.raw)
	}
	if want := []dialled{{"conf:88888888", "13800000000", "1000"}}; !slices.Equal(rg.calls.dialled, want) {
		t.Errorf("dialled %v, want %v", rg.calls.dialled, want)
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
		code             Code
		field            string
	}{
		{"no number", "88888888", `{"fromext":"1000"}`, 400, CodeInvalid, "number"},
		{"bad number", "88888888", `{"number":"12 34","fromext":"1000"}`, 400, CodeInvalid, "number"},
		{"no fromext", "88888888", `{"number":"123"}`, 400, CodeInvalid, "fromext"},
		{"bad fromext", "88888888", `{"number":"123","fromext":"a/b"}`, 400, CodeInvalid, "fromext"},
		{"no body", "88888888", ``, 400, CodeMalformed, ""},
		{"unknown field", "88888888", `{"number":"123","fromext":"1000","disnumber":"1"}`, 400, CodeMalformed, "disnumber"},
		{"no room", "77777777", `{"number":"123","fromext":"1000"}`, 404, CodeNoConf, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := rg.call("POST", "/conf/v1/conferences/"+tc.path+"/invite", tc.body)
			rg.want(a, tc.status, tc.code)
			if a.field() != tc.field {
				t.Errorf("field %q, want %q", a.field(), tc.field)
			}
		})
	}
	for _, tc := range []struct {
		code   call.Code
		status int
		want   Code
	}{
		{call.CodeUnknownAccount, 422, CodeNoAccount},
		{call.CodeNoRoute, 422, CodeNoRoute},
		{call.CodeNotAllowed, 403, CodeNotAllowed},
		{call.CodeNoTrunk, 503, CodeNoTrunk},
		{call.CodeBusy, 503, CodeBusy},
		{call.CodeShutdown, 503, CodeUnavailable},
		{call.CodeUnknownIVR, 404, CodeNoConf},
		{call.CodeInternal, 500, CodeInternal},
	} {
		rg.calls.err = &call.Error{Code: tc.code, Op: "dial", Msg: "detail " + string(tc.code)}
		a := rg.call("POST", "/conf/v1/conferences/88888888/invite", `{"number":"123","fromext":"1000"}`)
		rg.want(a, tc.status, tc.want)
		if tc.status < 500 && !strings.Contains(a.raw, "detail "+string(tc.code)) {
			t.Errorf("%s: the call manager's detail is missing: %s", tc.code, a.raw)
		}
	}
	rg.calls.err = nil
	for i := range 3 {
		rg.rooms.join("88888888", fmt.Sprint("c", i), false)
	}
	rg.want(rg.call("POST", "/conf/v1/conferences/88888888/invite", `{"number":"123","fromext":"1000"}`), 409, CodeFull)
	if len(rg.calls.dialled) != 1 {
		t.Errorf("dialled %v: refused invites dialled", rg.calls.dialled)
	}
}

func TestInviteWithoutCalls(t *testing.T) {
	cfg := &config.Config{Cloud: config.Cloud{Tokens: []config.CloudToken{{ID: "c", SHA256: hashOf(confToken), APIs: []string{config.APIConf}}}}}
	rg := &rig{t: t, rooms: newFakeRooms()}
	rg.h = New(Options{Rooms: rg.rooms, Config: func() *config.Config { return cfg }}).Handler()
	rg.want(rg.call("POST", "/conf/v1/conferences", `{"confid":"1"}`), 201, CodeOK)
	rg.want(rg.call("POST", "/conf/v1/conferences/1/invite", `{"number":"123","fromext":"1000"}`), 503, CodeUnavailable)
	rg.rooms.join("1", "x", false)
	a := rg.call("GET", "/conf/v1/conferences/1", "")
	rg.want(a, 200, CodeOK)
	if m := a.body["conference"].(map[string]any)["members"].([]any)[0].(map[string]any); m["number"] != nil {
		t.Errorf("member %v: a number without calls", m)
	}
}

func TestMuteKick(t *testing.T) {
	rg := newRig(t)
	rg.want(rg.call("POST", "/conf/v1/conferences", `{"confid":"42"}`), 201, CodeOK)
	rg.rooms.join("42", "1700000000.5", false)
	muted := func() bool { m, _ := rg.rooms.Members("42"); return m[0].Muted }
	rg.want(rg.call("POST", "/conf/v1/conferences/42/members/1700000000.5/mute", ""), 200, CodeOK)
	if !muted() {
		t.Error("not muted")
	}
	rg.want(rg.call("POST", "/conf/v1/conferences/42/members/1700000000.5/unmute", "{}"), 200, CodeOK)
	if muted() {
		t.Error("still muted")
	}
	a := rg.call("POST", "/conf/v1/conferences/42/members/1700000000.5/mute", `{"mute":true}`)
	rg.want(a, 400, CodeMalformed)
	rg.want(rg.call("POST", "/conf/v1/conferences/42/members/1700000000.9/mute", ""), 404, CodeNoMember)
	rg.want(rg.call("POST", "/conf/v1/conferences/43/members/1700000000.5/mute", ""), 404, CodeNoConf)
	rg.want(rg.call("POST", "/conf/v1/conferences/42/members/bad%20id/mute", ""), 404, CodeNoMember)
	rg.want(rg.call("DELETE", "/conf/v1/conferences/42/members/1700000000.5", ""), 200, CodeOK)
	if m, _ := rg.rooms.Members("42"); len(m) != 0 {
		t.Errorf("members after kick: %v", m)
	}
	rg.want(rg.call("DELETE", "/conf/v1/conferences/42/members/1700000000.5", ""), 404, CodeNoMember)
	rg.want(rg.call("DELETE", "/conf/v1/conferences/43/members/1700000000.5", ""), 404, CodeNoConf)
}

func TestPlay(t *testing.T) {
	rg := newRig(t)
	rg.want(rg.call("POST", "/conf/v1/conferences", `{"confid":"42"}`), 201, CodeOK)
	rg.want(rg.call("POST", "/conf/v1/conferences/42/play", `{"prompts":["welcome","disk1/news/today","https://example.com/a.wav"]}`), 200, CodeOK)
	if want := []string{"welcome", "disk1/news/today", "https://example.com/a.wav"}; !slices.Equal(rg.rooms.played["42"], want) {
		t.Errorf("played %v", rg.rooms.played["42"])
	}
	many := `{"prompts":[` + strings.TrimSuffix(strings.Repeat(`"a",`, MaxPrompts+1), ",") + `]}`
	for _, tc := range []struct {
		name, body, field string
	}{
		{"none", `{"prompts":[]}`, "prompts"},
		{"missing", `{}`, "prompts"},
		{"too many", many, "prompts"},
		{"empty", `{"prompts":["a",""]}`, "prompts[1]"},
		{"file url", `{"prompts":["file:///etc/passwd"]}`, "prompts[0]"},
		{"ftp url", `{"prompts":["ftp://h/a.wav"]}`, "prompts[0]"},
		{"no host", `{"prompts":["http:///a.wav"]}`, "prompts[0]"},
		{"dotdot", `{"prompts":["../secret"]}`, "prompts[0]"},
		{"absolute", `{"prompts":["/etc/passwd"]}`, "prompts[0]"},
		{"backslash", `{"prompts":["a\\b"]}`, "prompts[0]"},
		{"control", `{"prompts":["a\u0000b"]}`, "prompts[0]"},
		{"long", `{"prompts":["` + strings.Repeat("a", maxPromptLen+1) + `"]}`, "prompts[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := rg.call("POST", "/conf/v1/conferences/42/play", tc.body)
			rg.want(a, 400, CodeInvalid)
			if a.field() != tc.field {
				t.Errorf("field %q, want %q", a.field(), tc.field)
			}
		})
	}
	rg.want(rg.call("POST", "/conf/v1/conferences/43/play", `{"prompts":["a"]}`), 404, CodeNoConf)
	rg.rooms.playErr = fmt.Errorf("conf: play %q in room %q: %w", "nope", "42", errNotFound)
	a := rg.call("POST", "/conf/v1/conferences/42/play", `{"prompts":["nope"]}`)
	rg.want(a, 422, CodePlay)
	if !strings.Contains(a.raw, "nope") || a.field() != "prompts" {
		t.Errorf("answer %s", a.raw)
	}
	rg.rooms.playErr = fmt.Errorf("%w: no prompt source", rooms.ErrInvalid)
	rg.want(rg.call("POST", "/conf/v1/conferences/42/play", `{"prompts":["a"]}`), 400, CodeInvalid)
}

var errNotFound = fmt.Errorf("prompt not found")

func TestRouting(t *testing.T) {
	rg := newRig(t)
	rg.want(rg.call("GET", "/conf/v1/nothing", ""), 404, CodeNoEndpoint)
	rg.want(rg.call("GET", "/conf/v1/conferences/1/members/2/3", ""), 404, CodeNoEndpoint)
	rg.want(rg.call("GET", "/conf/v1/conferences//members", ""), 404, CodeNoEndpoint)
	a := rg.call("PUT", "/conf/v1/conferences", "{}")
	rg.want(a, 405, CodeMethod)
	if got := a.hdr.Get("Allow"); got != "GET, POST" {
		t.Errorf("Allow %q", got)
	}
	rg.want(rg.call("GET", "/conf/v1/conferences/1/invite", ""), 405, CodeMethod)
	rg.want(rg.call("GET", "/conf/v1/conferences/a%20b", ""), 404, CodeNoConf)
	rg.want(rg.call("GET", "/conf/v1/conferences/"+strings.Repeat("1", 33), ""), 404, CodeNoConf)
}

func TestNoRooms(t *testing.T) {
	cfg := &config.Config{Cloud: config.Cloud{Tokens: []config.CloudToken{{ID: "c", SHA256: hashOf(confToken), APIs: []string{config.APIConf}}}}}
	rg := &rig{t: t}
	rg.h = New(Options{Config: func() *config.Config { return cfg }}).Handler()
	rg.want(rg.call("GET", "/conf/v1/conferences", ""), 503, CodeUnavailable)
	rg.want(rg.call("GET", "/conf/v1/conferences", "", "Authorization", ""), 401, CodeUnauthorized)
	rg.want(rg.call("GET", "/conf/v1/x", ""), 404, CodeNoEndpoint)
}

// panicRooms panics in List.
type panicRooms struct{ *fakeRooms }

func (panicRooms) List() []rooms.Info { panic("boom") }

func TestErrorsAnswered(t *testing.T) {
	rg := newRig(t)
	rg.rooms.closed = true
	rg.want(rg.call("POST", "/conf/v1/conferences", "{}"), 503, CodeUnavailable)
	cfg := &config.Config{Cloud: config.Cloud{Tokens: []config.CloudToken{{ID: "c", SHA256: hashOf(confToken), APIs: []string{config.APIConf}}}}}
	rg.h = New(Options{Rooms: panicRooms{newFakeRooms()}, Config: func() *config.Config { return cfg }}).Handler()
	rg.want(rg.call("GET", "/conf/v1/conferences", ""), 500, CodeInternal)
}
