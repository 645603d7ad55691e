package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestPBXSecurityHeaders: the PBX API answers with the admin API's security
// headers, through the running box.
func TestPBXSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	base := fmt.Sprintf("http://127.0.0.1:%d", b.httpPort)
	admin, err := http.Get(base + "/api/admin/session")
	if err != nil {
		t.Fatal(err)
	}
	admin.Body.Close()
	pbx, err := http.Post(base+"/api/v1.1.0/heartbeat", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	pbx.Body.Close()
	for _, k := range []string{"X-Content-Type-Options", "Cache-Control", "X-Frame-Options", "Referrer-Policy",
		"Cross-Origin-Resource-Policy", "Content-Security-Policy"} {
		if a, p := admin.Header.Get(k), pbx.Header.Get(k); a == "" || a != p {
			t.Errorf("%s: admin API %q, PBX API %q", k, a, p)
		}
	}
}
