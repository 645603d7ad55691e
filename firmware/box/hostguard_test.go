package box

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestHostGuard(t *testing.T) {
	b := &Box{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := b.hostGuard(ok)
	hostname, _ := os.Hostname()
	tests := []struct {
		host string
		want int
	}{
		{"127.0.0.1:8080", 204}, {"[::1]:80", 204}, {"192.168.1.20", 204}, {"localhost:8080", 204},
		{"LOCALHOST.", 204}, {"box.localhost", 204}, {"", 204},
		{strings.ToUpper(hostname), 204}, {hostname + ".local:443", 204},
		{"evil.example", 421}, {"evil.example:8080", 421}, {"127.0.0.1.evil.example", 421},
		{"localhost.evil.example", 421},
	}
	for _, tt := range tests {
		for _, path := range []string{"/api/admin/setup", "/"} {
			r := httptest.NewRequest("POST", path, nil)
			r.Host = tt.host
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("Host %q %s: %d, want %d", tt.host, path, w.Code, tt.want)
			}
			if w.Code == 421 && !strings.Contains(w.Body.String(), "system.http_hosts") {
				t.Errorf("Host %q: refusal says %q", tt.host, w.Body.String())
			}
		}
	}
}

func TestMatchesAny(t *testing.T) {
	names := []string{"ivr.example.com", "*.lab.example.", "Office.LAN"}
	for name, want := range map[string]bool{
		"ivr.example.com": true, "a.lab.example": true, "b.c.lab.example": true, "lab.example": false,
		"office.lan": true, "xivr.example.com": false, "example.com": false, "evil-lab.example": false,
	} {
		if got := matchesAny(name, names); got != want {
			t.Errorf("matchesAny(%q) = %v, want %v", name, got, want)
		}
	}
}
