package box

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCheckHTTPMode(t *testing.T) {
	for _, m := range []string{"", HTTPServe, HTTPRedirect, HTTPOff} {
		if err := CheckHTTPMode(m); err != nil {
			t.Errorf("%q: %v", m, err)
		}
	}
	if err := CheckHTTPMode("https"); err == nil {
		t.Error("https accepted")
	}
}

// TestPlainHTTP: serve passes requests on; redirect answers 308 to the
// same URL on the HTTPS port (IPv6 hosts bracketed, :443 left out) but
// serves /healthz; with HTTPS off redirect serves.
func TestPlainHTTP(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for _, tc := range []struct {
		mode, https, host, path string
		code                    int
		loc                     string
	}{
		{HTTPServe, ":8443", "box:8080", "/x", http.StatusTeapot, ""},
		{HTTPRedirect, ":8443", "box:8080", "/api/admin/session?a=1", http.StatusPermanentRedirect, "https://box:8443/api/admin/session?a=1"},
		{HTTPRedirect, "127.0.0.1:9443", "[fd00::2]:8080", "/", http.StatusPermanentRedirect, "https://[fd00::2]:9443/"},
		{HTTPRedirect, ":443", "box", "/", http.StatusPermanentRedirect, "https://box/"},
		{HTTPRedirect, ":8443", "box:8080", "/healthz", http.StatusTeapot, ""},
		{HTTPRedirect, "off", "box:8080", "/x", http.StatusTeapot, ""},
	} {
		b := &Box{opt: Options{HTTPMode: tc.mode, HTTPSAddr: tc.https}}
		r := httptest.NewRequest("GET", tc.path, nil)
		r.Host = tc.host
		w := httptest.NewRecorder()
		b.plainHTTP(inner).ServeHTTP(w, r)
		if w.Code != tc.code || w.Header().Get("Location") != tc.loc {
			t.Errorf("%s %s %s%s: %d %q, want %d %q", tc.mode, tc.https, tc.host, tc.path, w.Code, w.Header().Get("Location"), tc.code, tc.loc)
		}
	}
}
