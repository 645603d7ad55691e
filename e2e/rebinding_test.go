package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRebindingHostRefused: a page on evil.example whose DNS name now points
// at the box sends Host: evil.example and a matching Origin; the box
// answers 421 before the first-run setup sees it, so the password stays
// unset, and the same box answers its own address and a configured name.
func TestRebindingHostRefused(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{config: `{"version":2,"system":{"http_hosts":["ivr.example.lan"]},"ivrs":[]}`})
	base := fmt.Sprintf("http://127.0.0.1:%d", b.httpPort)
	post := func(host, path, body string) (int, string, http.Header) {
		t.Helper()
		req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		req.Header.Set("Origin", "http://"+host)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data), resp.Header
	}
	for _, host := range []string{"evil.example", fmt.Sprintf("evil.example:%d", b.httpPort)} {
		code, body, _ := post(host, "/api/admin/setup", `{"password":"attacker's password"}`)
		if code != http.StatusMisdirectedRequest || !strings.Contains(body, "system.http_hosts") {
			t.Fatalf("setup with Host %s: %d %s", host, code, body)
		}
	}
	if code, _, _ := post("evil.example", "/api/v1.1.0/login", `{}`); code != http.StatusMisdirectedRequest {
		t.Fatalf("PBX API with Host evil.example: %d", code)
	}
	web := &adminClient{t: t, base: base + "/api/admin/"}
	var session struct {
		SetupNeeded bool `json:"setup_needed"`
	}
	web.must("GET", "session", nil, http.StatusOK, &session)
	if !session.SetupNeeded {
		t.Fatal("the rebinding request set the first password")
	}
	b.waitLog(time.Second, "request for another host refused", "host=evil.example")
	// A configured name is one of the box's own: the setup goes through.
	code, body, _ := post(fmt.Sprintf("ivr.example.lan:%d", b.httpPort), "/api/admin/setup", `{"password":"the admin's password"}`)
	if code != http.StatusOK {
		t.Fatalf("setup with a configured Host: %d %s", code, body)
	}
}
