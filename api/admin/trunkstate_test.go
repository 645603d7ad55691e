package admin

import (
	"net/http"
	"sync"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// trunkStates is a fake of the trunk manager's states.
type trunkStates struct {
	mu sync.Mutex
	m  map[string][2]string
}

func (s *trunkStates) state(name string) (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.m[name]; ok {
		return st[0], st[1]
	}
	return "unknown", ""
}

func TestTrunkState(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	for _, b := range []map[string]any{
		{"name": "provider", "type": "register", "host": "sip.example.net", "user": "0215", "password": "pw"},
		{"name": "backup", "type": "register", "host": "sip2.example.net", "user": "0215"},
		{"name": "office", "type": "peer", "host": "10.0.0.1"},
	} {
		e.do(me, "POST", "trunks", b).want(t, http.StatusCreated)
	}

	// Without a trunk manager every trunk is "unused".
	var raw []map[string]any
	e.do(me, "GET", "trunks", nil).want(t, http.StatusOK).decode(t, &raw)
	for _, v := range raw {
		if v["state"] != TrunkUnused || v["state_detail"] != "" {
			t.Errorf("without TrunkState: %v", v)
		}
	}

	states := &trunkStates{m: map[string][2]string{
		"provider": {"registered", ""},
		"backup":   {"failed", "403 Forbidden"},
		"office":   {"peer", ""},
	}}
	e.api.opt.TrunkState = states.state // before any request that reads it
	e.do(me, "GET", "trunks", nil).want(t, http.StatusOK).decode(t, &raw)
	got := map[string][2]any{}
	for _, v := range raw {
		got[v["name"].(string)] = [2]any{v["state"], v["state_detail"]}
	}
	want := map[string][2]any{"provider": {"registered", ""}, "backup": {"failed", "403 Forbidden"}, "office": {"peer", ""}}
	if len(got) != len(want) {
		t.Errorf("trunks %v", got)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %v, want %v", name, got[name], w)
		}
	}

	var v trunkView
	e.do(me, "GET", "trunks/backup", nil).want(t, http.StatusOK).decode(t, &v)
	if v.State != "failed" || v.StateDetail != "403 Forbidden" {
		t.Errorf("GET backup: %+v", v)
	}
	states.mu.Lock()
	states.m["backup"] = [2]string{"registering", ""}
	states.mu.Unlock()
	e.do(me, "PUT", "trunks/backup", map[string]any{"type": "register", "host": "sip2.example.net", "user": "0215",
		"password": "fixed"}).want(t, http.StatusOK).decode(t, &v)
	if v.State != "registering" || v.StateDetail != "" || !v.HasPassword {
		t.Errorf("PUT backup: %+v", v)
	}
}

// TestTrunkPasswordBeforeChange: a subscriber told of a trunk's change
// reads its new password (the trunk manager re-registers with it), and a
// refused change leaves the stored password as it was.
func TestTrunkPasswordBeforeChange(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	e.do(me, "POST", "trunks", map[string]any{"name": "provider", "type": "register", "host": "sip.example.net",
		"user": "0215", "password": "one"}).want(t, http.StatusCreated)

	changed, stop := e.st.Subscribe()
	defer stop()
	seen := make(chan string, 1)
	go func() {
		if _, ok := <-changed; ok {
			pw, _ := e.st.Secret(config.TrunkSecretKey("provider"))
			seen <- pw
		}
	}()
	e.do(me, "PUT", "trunks/provider", map[string]any{"type": "register", "host": "sip.example.net",
		"user": "0215", "password": "two"}).want(t, http.StatusOK)
	if pw := <-seen; pw != "two" {
		t.Errorf("the subscriber read %q, want the new password", pw)
	}

	// Refused: a name taken, an invalid trunk, a missing trunk.
	e.do(me, "POST", "trunks", map[string]any{"name": "provider", "type": "peer", "host": "10.0.0.1",
		"password": "three"}).want(t, http.StatusConflict)
	wantProblem(t, e.do(me, "PUT", "trunks/provider", map[string]any{"type": "register", "host": "",
		"user": "0215", "password": "four"}), "trunks[0].host")
	if pw, err := e.st.Secret(config.TrunkSecretKey("provider")); err != nil || pw != "two" {
		t.Errorf("after refused changes: %q %v", pw, err)
	}
	e.do(me, "PUT", "trunks/ghost", map[string]any{"type": "peer", "host": "10.0.0.1", "password": "x"}).
		want(t, http.StatusNotFound)
	if _, err := e.st.Secret(config.TrunkSecretKey("ghost")); err == nil {
		t.Error("a refused trunk's password is stored")
	}
}
