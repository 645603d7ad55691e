package pbx

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

func TestLoginIssuesToken(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(tok) {
		t.Fatalf("token %q is not 32 lower-case hex digits", tok)
	}
	if got := e.post("outbound/query", tok, ""); got != `{"status":"Success","outbound":[]}` {
		t.Fatalf("query with the token: %s", got)
	}
	if tok2 := e.login(); tok2 == tok {
		t.Fatal("two logins gave the same token")
	}
	// Upper-case hex of the right MD5 is the same password.
	got := e.post("login", "", `{"username":"api","password":"`+strings.ToUpper(md5hex(testPassword))+`"}`)
	if !strings.HasPrefix(got, `{"status":"Success","token":"`) {
		t.Fatalf("upper-case MD5: %s", got)
	}
}

func TestLoginRefused(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, body, want string }{
		{"wrong password", `{"username":"api","password":"` + md5hex("nope") + `"}`, failed(ErrnoLogin)},
		{"wrong user", `{"username":"apx","password":"` + md5hex(testPassword) + `"}`, failed(ErrnoLogin)},
		{"clear password", `{"username":"api","password":"` + testPassword + `"}`, failed(ErrnoLogin)},
		{"no user", `{"password":"` + md5hex(testPassword) + `"}`, failed(ErrnoParam)},
		{"no password", `{"username":"api"}`, failed(ErrnoParam)},
		{"empty body", ``, failed(ErrnoParam)},
		{"bad JSON", `{"username":"api",`, failed(ErrnoJSON)},
		{"password as object", `{"username":"api","password":{}}`, failed(ErrnoParam)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.do(http.MethodPost, Prefix+"login", "", tc.body, "10.0.0.1:1"); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("API off", func(t *testing.T) {
		e.setConfig(func(c *config.Config) { c.API = config.API{} })
		got := e.do(http.MethodPost, Prefix+"login", "", `{"username":"","password":""}`, "10.9.9.9:1")
		if got != failed(ErrnoParam) {
			t.Fatalf("empty credentials: %s", got)
		}
		got = e.do(http.MethodPost, Prefix+"login", "", `{"username":"api","password":"`+md5hex(testPassword)+`"}`, "10.9.9.9:1")
		if got != failed(ErrnoLogin) {
			t.Fatalf("login with the PBX API off: %s", got)
		}
	})
}

func TestLoginBlockedAfterFiveFailures(t *testing.T) {
	e := newEnv(t)
	const addr = "192.168.1.66:5000"
	bad := `{"username":"api","password":"` + md5hex("guess") + `"}`
	good := `{"username":"api","password":"` + md5hex(testPassword) + `"}`
	for i := range LoginFailLimit {
		if got := e.do(http.MethodPost, Prefix+"login", "", bad, addr); got != failed(ErrnoLogin) {
			t.Fatalf("failure %d: %s", i+1, got)
		}
		if i < LoginFailLimit-1 {
			e.clock.Advance(time.Minute) // all within the window
		}
	}
	if n := strings.Count(e.logs.String(), "address blocked"); n != 1 {
		t.Fatalf("block logged %d times, want 1:\n%s", n, e.logs.String())
	}
	if !strings.Contains(e.logs.String(), "level=WARN") || !strings.Contains(e.logs.String(), "addr=192.168.1.66") {
		t.Fatalf("block not logged as a warning with the address:\n%s", e.logs.String())
	}
	// Blocked: even the right password is refused, from any port.
	for _, a := range []string{addr, "192.168.1.66:5001"} {
		if got := e.do(http.MethodPost, Prefix+"login", "", good, a); got != failed(ErrnoBlocked) {
			t.Fatalf("right password while blocked: %s", got)
		}
	}
	if n := strings.Count(e.logs.String(), "address blocked"); n != 1 {
		t.Fatalf("block logged %d times after more attempts, want 1", n)
	}
	// Another address is not blocked.
	if got := e.do(http.MethodPost, Prefix+"login", "", good, "192.168.1.67:5000"); !strings.Contains(got, "Success") {
		t.Fatalf("other address: %s", got)
	}
	// The block lasts LoginBlock.
	e.clock.Advance(LoginBlock - time.Second)
	if got := e.do(http.MethodPost, Prefix+"login", "", good, addr); got != failed(ErrnoBlocked) {
		t.Fatalf("just before the block ends: %s", got)
	}
	e.clock.Advance(time.Second)
	if got := e.do(http.MethodPost, Prefix+"login", "", good, addr); !strings.Contains(got, "Success") {
		t.Fatalf("after the block: %s", got)
	}
}

func TestLoginFailuresOutsideWindowDoNotBlock(t *testing.T) {
	e := newEnv(t)
	const addr = "192.168.1.70:1"
	bad := `{"username":"api","password":"` + md5hex("guess") + `"}`
	good := `{"username":"api","password":"` + md5hex(testPassword) + `"}`
	for range LoginFailLimit - 1 {
		e.do(http.MethodPost, Prefix+"login", "", bad, addr)
	}
	e.clock.Advance(LoginFailWindow + time.Second)
	for range LoginFailLimit - 1 {
		e.do(http.MethodPost, Prefix+"login", "", bad, addr)
	}
	if got := e.do(http.MethodPost, Prefix+"login", "", good, addr); !strings.Contains(got, "Success") {
		t.Fatalf("4+4 failures in two windows blocked the address: %s", got)
	}
	// A success resets the count.
	for range LoginFailLimit - 1 {
		e.do(http.MethodPost, Prefix+"login", "", bad, addr)
	}
	if got := e.do(http.MethodPost, Prefix+"login", "", good, addr); !strings.Contains(got, "Success") {
		t.Fatalf("after a success and 4 failures: %s", got)
	}
	if strings.Contains(e.logs.String(), "address blocked") {
		t.Fatal("a block was logged")
	}
}

func TestTokenLifetimeAndHeartbeat(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	e.clock.Advance(TokenLifetime - time.Minute)
	if got := e.post("outbound/query", tok, ""); !strings.Contains(got, "Success") {
		t.Fatalf("at 29 min: %s", got)
	}
	// Requests other than heartbeat do not extend the token.
	e.clock.Advance(time.Minute)
	if got := e.post("outbound/query", tok, ""); got != failed(ErrnoTokenExpired) {
		t.Fatalf("at 30 min: %s", got)
	}
	if got := e.post("heartbeat", tok, ""); got != failed(ErrnoTokenExpired) {
		t.Fatalf("heartbeat with an expired token: %s", got)
	}

	tok = e.login()
	for range 3 {
		e.clock.Advance(20 * time.Minute)
		// Yeastar's heartbeat body, not well-formed JSON, is ignored.
		if got := e.post("heartbeat", tok, `{ "url": "192.168.5.122:8260/report",urlflag: "1" }`); got != `{"status":"Success"}` {
			t.Fatalf("heartbeat: %s", got)
		}
	}
	if got := e.post("outbound/query", tok, ""); !strings.Contains(got, "Success") {
		t.Fatalf("60 min after login, 0 after a heartbeat: %s", got)
	}
	e.clock.Advance(TokenLifetime)
	if got := e.post("outbound/query", tok, ""); got != failed(ErrnoTokenExpired) {
		t.Fatalf("30 min after the last heartbeat: %s", got)
	}
	e.clock.Advance(25 * time.Hour)
	if got := e.post("outbound/query", tok, ""); got != failed(ErrnoNoToken) {
		t.Fatalf("a day after expiry: %s", got)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	tok, other := e.login(), e.login()
	if got := e.post("logout", tok, ""); got != `{"status":"Success"}` {
		t.Fatalf("logout: %s", got)
	}
	if got := e.post("outbound/query", tok, ""); got != failed(ErrnoNoToken) {
		t.Fatalf("after logout: %s", got)
	}
	if got := e.post("logout", tok, ""); got != failed(ErrnoNoToken) {
		t.Fatalf("second logout: %s", got)
	}
	if got := e.post("outbound/query", other, ""); !strings.Contains(got, "Success") {
		t.Fatalf("the other token: %s", got)
	}
}

func TestTokenErrors(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	if got := e.post("outbound/query", "", ""); got != failed(ErrnoTokenBlank) {
		t.Fatalf("no token: %s", got)
	}
	if got := e.post("outbound/query", "0123456789abcdef0123456789abcdef", ""); got != failed(ErrnoNoToken) {
		t.Fatalf("unknown token: %s", got)
	}
	e.setConfig(func(c *config.Config) { c.API.PasswordMD5 = md5hex("new password") })
	if got := e.post("outbound/query", tok, ""); got != failed(ErrnoNoToken) {
		t.Fatalf("token after a password change: %s", got)
	}
	e.setConfig(func(c *config.Config) { c.API.PasswordMD5 = md5hex(testPassword) })
	if got := e.post("outbound/query", tok, ""); got != failed(ErrnoNoToken) {
		t.Fatalf("token is forgotten, not suspended: %s", got)
	}
	tok = e.login()
	e.setConfig(func(c *config.Config) { c.API = config.API{} })
	if got := e.post("outbound/query", tok, ""); got != failed(ErrnoNoToken) {
		t.Fatalf("token with the PBX API off: %s", got)
	}
}

func TestAtMostMaxTokens(t *testing.T) {
	e := newEnv(t)
	first := e.login()
	var last string
	for range MaxTokens {
		e.clock.Advance(time.Second)
		last = e.login()
	}
	if got := e.post("outbound/query", first, ""); got != failed(ErrnoNoToken) {
		t.Fatalf("oldest token kept beyond %d: %s", MaxTokens, got)
	}
	if got := e.post("outbound/query", last, ""); !strings.Contains(got, "Success") {
		t.Fatalf("newest token: %s", got)
	}
}

func TestCloseLogsEveryoneOut(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	e.api.Close()
	e.api.Close()
	if got := e.post("outbound/query", tok, ""); got != failed(ErrnoInternal) {
		t.Fatalf("after Close: %s", got)
	}
	if got := e.post("login", "", `{"username":"api","password":"`+md5hex(testPassword)+`"}`); got != failed(ErrnoInternal) {
		t.Fatalf("login after Close: %s", got)
	}
}
