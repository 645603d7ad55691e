package admin

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// concrete fills a route's wildcards with real values.
func concrete(path string) string {
	r := strings.NewReplacer("{id}", "x", "{id...}", "x", "{number}", "6502", "{name...}", "notice", "{name}", "reset", "{ext}", "1000", "{path...}", "x.wav/audio",
		"{fork}", "f1", "{rec}", "r1", "{lease}", "L", "{call}", "1.1")
	return r.Replace(path)
}

// bodyFor is a valid body for a route, so a refusal is due to the check
// under test and not to the body.
func bodyFor(rt route) any {
	switch rt.path {
	case "setup", "login":
		return passwordBody{testPassword}
	case "password":
		return map[string]string{"old": testPassword, "new": "another password"}
	case "tokens":
		return map[string]string{"name": "x"}
	case "factory-reset":
		return map[string]string{"confirm": "RESET"}
	case "system":
		return map[string]any{"name": "changed"}
	case "config", "restore":
		data, _ := config.Marshal(config.Defaults())
		return data
	}
	return nil
}

// TestEveryRouteIsGuarded walks the whole route list: every endpoint but
// the public ones answers 401 without credentials and with a bad token, and
// every state-changing one answers 403 to a cross-origin request carrying a
// valid session cookie. Nothing changes meanwhile.
func TestEveryRouteIsGuarded(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	_, tokSecret := createToken(t, e, me, "guard")
	before, _ := config.Marshal(e.st.Config())
	public := map[string]bool{}
	for _, rt := range e.api.routes() {
		name := rt.method + " " + rt.path
		path := concrete(rt.path)
		if strings.Contains(path, "{") {
			t.Errorf("%s: no value for a wildcard in concrete()", name)
		}
		if rt.public {
			public[rt.path] = true
		} else {
			t.Run(name+"/no auth", func(t *testing.T) {
				r := e.do(as{}, rt.method, path, bodyFor(rt))
				r.want(t, http.StatusUnauthorized)
				if r.errorText(t) == "" {
					t.Error("no error message")
				}
			})
			for _, bad := range []as{
				{token: "ivb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
				{token: tokSecret + "x"},
				{authHeader: "Basic YWRtaW46YWRtaW4="},
				{cookie: "forged-session"},
				{token: "ivb_bad", cookie: me.cookie}, // a bad token is never retried as the cookie
			} {
				t.Run(name+"/bad credentials", func(t *testing.T) {
					e.do(bad, rt.method, path, bodyFor(rt)).want(t, http.StatusUnauthorized)
				})
			}
		}
		if rt.method == "GET" {
			continue
		}
		t.Run(name+"/cross-origin", func(t *testing.T) {
			r := e.do(as{cookie: me.cookie, crossSite: true}, rt.method, path, bodyFor(rt))
			r.want(t, http.StatusForbidden)
			if !strings.Contains(r.errorText(t), "cross-origin") {
				t.Errorf("message %q", r.errorText(t))
			}
		})
	}
	for _, p := range []string{"session", "setup", "login"} {
		if !public[p] {
			t.Errorf("%s is not public", p)
		}
	}
	if len(public) != 3 {
		t.Errorf("public routes %v; only session, setup and login may be", public)
	}
	after, _ := config.Marshal(e.st.Config())
	if !bytes.Equal(before, after) {
		t.Error("the config changed")
	}
	if e.restarts.Load() != 0 {
		t.Error("a refused request restarted the box")
	}
	// The session and token still work, and a same-origin browser request passes.
	e.do(me, "GET", "status", nil).want(t, http.StatusOK)
	e.do(as{token: tokSecret}, "GET", "status", nil).want(t, http.StatusOK)
	sameOrigin := as{cookie: me.cookie, header: http.Header{"Sec-Fetch-Site": {"same-origin"}}}
	e.do(sameOrigin, "PUT", "system", map[string]any{"name": "front desk"}).want(t, http.StatusOK)
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	for _, r := range []resp{
		e.do(as{}, "GET", "status", nil),
		e.do(me, "GET", "status", nil),
		e.do(me, "GET", "nowhere", nil),
		e.do(me, "GET", "prompts/ok/audio", nil),
		e.do(as{cookie: me.cookie, crossSite: true}, "POST", "restart", nil),
	} {
		if r.h.Get("X-Content-Type-Options") != "nosniff" || r.h.Get("Cache-Control") != "no-store" ||
			r.h.Get("X-Frame-Options") != "DENY" || r.h.Get("Content-Security-Policy") == "" {
			t.Errorf("status %d: headers %v", r.code, r.h)
		}
	}
	r := e.do(me, "GET", "nowhere", nil).want(t, http.StatusNotFound)
	if !strings.Contains(r.errorText(t), "no such endpoint") || !strings.HasPrefix(r.h.Get("Content-Type"), "application/json") {
		t.Errorf("404 body %s", r.body)
	}
}

func TestSetupOnlyOnce(t *testing.T) {
	e := newEnv(t)
	var s sessionJSON
	e.do(as{header: http.Header{"Accept-Language": {"zh-CN,zh;q=0.9,en;q=0.8"}}}, "GET", "session", nil).
		want(t, http.StatusOK).decode(t, &s)
	if !s.SetupNeeded || s.LoggedIn || s.Lang != "zh" {
		t.Errorf("first-run session = %+v", s)
	}
	e.do(as{}, "POST", "login", passwordBody{testPassword}).want(t, http.StatusConflict)
	r := e.do(as{}, "POST", "setup", passwordBody{"short"}).want(t, http.StatusUnprocessableEntity)
	var eb errorBody
	r.decode(t, &eb)
	if len(eb.Problems) != 1 || eb.Problems[0].Field != "password" || !strings.Contains(eb.Error, "at least 8") {
		t.Errorf("weak password answer %s", r.body)
	}
	e.do(as{}, "POST", "setup", `{"password": "x", "admin": true}`).want(t, http.StatusBadRequest)

	r = e.do(as{}, "POST", "setup", passwordBody{testPassword}).want(t, http.StatusOK)
	c := r.cookie()
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.MaxAge < 23*3600 {
		t.Fatalf("cookie = %+v", c)
	}
	e.do(as{cookie: c.Value}, "GET", "session", nil).want(t, http.StatusOK).decode(t, &s)
	if s.SetupNeeded || !s.LoggedIn || s.Lang != "en" {
		t.Errorf("session after setup = %+v", s)
	}
	r = e.do(as{}, "POST", "setup", passwordBody{"a different password"}).want(t, http.StatusConflict)
	if !strings.Contains(r.errorText(t), "already") {
		t.Errorf("409 message %q", r.errorText(t))
	}
	e.do(as{}, "POST", "login", passwordBody{"a different password"}).want(t, http.StatusUnauthorized)
	e.do(as{}, "POST", "login", passwordBody{testPassword}).want(t, http.StatusOK)
}

func TestLoginThrottled(t *testing.T) {
	e := newEnv(t)
	e.login()
	for n := range 5 {
		r := e.do(as{}, "POST", "login", passwordBody{"wrong password " + strconv.Itoa(n)})
		r.want(t, http.StatusUnauthorized)
		if r.errorText(t) != "wrong password" {
			t.Errorf("message %q", r.errorText(t))
		}
	}
	for _, pw := range []string{"wrong again", testPassword} { // even the right one, while blocked
		r := e.do(as{}, "POST", "login", passwordBody{pw}).want(t, http.StatusTooManyRequests)
		if ra, _ := strconv.Atoi(r.h.Get("Retry-After")); ra < 290 || ra > 300 {
			t.Errorf("Retry-After = %q", r.h.Get("Retry-After"))
		}
		if !strings.Contains(r.errorText(t), "try again in") {
			t.Errorf("429 message %q", r.errorText(t))
		}
	}
	if !strings.Contains(e.logs.String(), "address blocked after repeated wrong passwords") {
		t.Errorf("block not logged:\n%s", e.logs)
	}
	e.clock.add(5*time.Minute + time.Second)
	e.do(as{}, "POST", "login", passwordBody{testPassword}).want(t, http.StatusOK)
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	other := e.newSession()
	r := e.do(me, "POST", "logout", nil).want(t, http.StatusNoContent)
	if c := r.cookie(); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout cookie = %+v, want it cleared", c)
	}
	e.do(me, "GET", "status", nil).want(t, http.StatusUnauthorized)
	var s sessionJSON
	e.do(me, "GET", "session", nil).want(t, http.StatusOK).decode(t, &s)
	if s.LoggedIn {
		t.Error("logged in after logout")
	}
	e.do(other, "GET", "status", nil).want(t, http.StatusOK)
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	e.clock.add(7 * time.Hour)
	e.do(me, "GET", "status", nil).want(t, http.StatusOK)
	e.clock.add(8 * time.Hour)
	r := e.do(me, "GET", "status", nil).want(t, http.StatusUnauthorized)
	if !strings.Contains(r.errorText(t), "log in again") {
		t.Errorf("message %q", r.errorText(t))
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	other := e.newSession()
	_, tok := createToken(t, e, me, "script")
	e.do(me, "POST", "password", map[string]string{"old": "not it at all", "new": "new password 1"}).
		want(t, http.StatusForbidden)
	r := e.do(me, "POST", "password", map[string]string{"old": testPassword, "new": "short"}).
		want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), `"field":"new"`) {
		t.Errorf("weak new password answer %s", r.body)
	}
	e.do(other, "GET", "status", nil).want(t, http.StatusOK)
	e.do(me, "POST", "password", map[string]string{"old": testPassword, "new": "new password 1"}).
		want(t, http.StatusNoContent)
	e.do(me, "GET", "status", nil).want(t, http.StatusOK)
	e.do(other, "GET", "status", nil).want(t, http.StatusUnauthorized)
	e.do(as{token: tok}, "GET", "status", nil).want(t, http.StatusOK) // tokens are separate credentials
	e.do(as{}, "POST", "login", passwordBody{testPassword}).want(t, http.StatusUnauthorized)
	e.do(as{}, "POST", "login", passwordBody{"new password 1"}).want(t, http.StatusOK)
}

// createToken makes a token and returns its id and secret.
func createToken(t *testing.T, e *env, who as, name string) (string, string) {
	t.Helper()
	var tj tokenJSON
	e.do(who, "POST", "tokens", map[string]string{"name": name}).want(t, http.StatusCreated).decode(t, &tj)
	if tj.ID == "" || !strings.HasPrefix(tj.Token, "ivb_") || tj.Name != name {
		t.Fatalf("token = %+v", tj)
	}
	return tj.ID, tj.Token
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	e.do(me, "POST", "tokens", map[string]string{"name": ""}).want(t, http.StatusUnprocessableEntity)
	id, secret := createToken(t, e, me, "backup script")
	bot := as{token: secret}
	e.do(bot, "GET", "status", nil).want(t, http.StatusOK)
	e.do(bot, "PUT", "system", map[string]any{"name": "by token"}).want(t, http.StatusOK)
	if e.st.Config().System.Name != "by token" {
		t.Error("change by token not stored")
	}
	var list []map[string]any
	e.do(me, "GET", "tokens", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0]["id"] != id || list[0]["name"] != "backup script" || list[0]["last_used"] == nil ||
		list[0]["token"] != nil {
		t.Errorf("tokens = %v", list)
	}
	if bytes.Contains(e.do(me, "GET", "tokens", nil).body, []byte(secret)) {
		t.Error("the token is listed")
	}
	e.do(bot, "DELETE", "tokens/"+id, nil).want(t, http.StatusNoContent) // a token may revoke itself
	e.do(bot, "GET", "status", nil).want(t, http.StatusUnauthorized)
	e.do(me, "DELETE", "tokens/"+id, nil).want(t, http.StatusNotFound)
}
