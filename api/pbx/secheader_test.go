package pbx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSecurityHeaders: every PBX API answer, success or failure, carries the
// admin API's security headers.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	want := map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"Cache-Control":                "no-store",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "no-referrer",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Content-Security-Policy":      "default-src 'none'; frame-ancestors 'none'",
	}
	for _, rq := range []struct{ method, path, body string }{
		{http.MethodPost, Prefix + "login", `{"username":"api","password":"` + md5hex(testPassword) + `"}`},
		{http.MethodPost, Prefix + "heartbeat", ""},
		{http.MethodGet, Prefix + "login", ""},
		{http.MethodPost, "/api/nowhere", "{"},
	} {
		w := httptest.NewRecorder()
		e.api.Handler().ServeHTTP(w, httptest.NewRequest(rq.method, rq.path, strings.NewReader(rq.body)))
		for k, v := range want {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", rq.method, rq.path, k, got, v)
			}
		}
	}
}
