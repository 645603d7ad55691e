package admin

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/store"
)

// problemFields are the fields of a 422 answer.
func problemFields(t *testing.T, r resp) []string {
	t.Helper()
	var b errorBody
	r.decode(t, &b)
	var out []string
	for _, p := range b.Problems {
		out = append(out, p.Field)
	}
	return out
}

func wantProblem(t *testing.T, r resp, field string) {
	t.Helper()
	r.want(t, http.StatusUnprocessableEntity)
	if f := problemFields(t, r); !slices.Contains(f, field) {
		t.Errorf("problems %v, want %s; body %s", f, field, r.body)
	}
}

func TestTrunksCRUD(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	var list []trunkView
	e.do(me, "GET", "trunks", nil).want(t, http.StatusOK).decode(t, &list)
	if list == nil || len(list) != 0 {
		t.Fatalf("trunks = %v, want []", list)
	}
	r := e.do(me, "POST", "trunks", map[string]any{"name": "provider", "type": "register",
		"host": "sip.example.net", "user": "02150001234", "password": "s3cret-pw"}).want(t, http.StatusCreated)
	if r.h.Get("Location") != Prefix+"trunks/provider" || bytes.Contains(r.body, []byte("s3cret-pw")) {
		t.Errorf("created: %s %s", r.h.Get("Location"), r.body)
	}
	var v trunkView
	r.decode(t, &v)
	if !v.HasPassword || v.State != TrunkUnused || v.User != "02150001234" {
		t.Errorf("trunk = %+v", v)
	}
	if pw, _ := e.st.Secret(config.TrunkSecretKey("provider")); pw != "s3cret-pw" {
		t.Errorf("stored password %q", pw)
	}
	e.do(me, "POST", "trunks", map[string]any{"name": "provider", "type": "peer", "host": "10.0.0.1"}).
		want(t, http.StatusConflict)

	// PUT without a password keeps it; "" clears it; the body may leave the name out.
	e.do(me, "PUT", "trunks/provider", map[string]any{"type": "register", "host": "sip.example.net:5080",
		"user": "02150001234", "expiry": 600}).want(t, http.StatusOK).decode(t, &v)
	if !v.HasPassword || v.Host != "sip.example.net:5080" || v.Expiry != 600 {
		t.Errorf("after PUT: %+v", v)
	}
	e.do(me, "PUT", "trunks/provider", map[string]any{"name": "other", "type": "peer", "host": "x"}).
		want(t, http.StatusUnprocessableEntity)
	e.do(me, "PUT", "trunks/nobody", map[string]any{"type": "peer", "host": "10.0.0.1"}).want(t, http.StatusNotFound)
	e.do(me, "PUT", "trunks/provider", map[string]any{"type": "register", "host": "sip.example.net",
		"user": "02150001234", "password": ""}).want(t, http.StatusOK).decode(t, &v)
	if v.HasPassword {
		t.Error("password not cleared")
	}
	if _, err := e.st.Secret(config.TrunkSecretKey("provider")); !errors.Is(err, store.ErrNoSecret) {
		t.Errorf("secret after clearing: %v", err)
	}

	// Refused changes name their fields and change nothing.
	wantProblem(t, e.do(me, "POST", "trunks", map[string]any{"name": "bad name", "type": "register", "host": "h", "password": "p"}),
		"trunks[1].name")
	wantProblem(t, e.do(me, "POST", "trunks", map[string]any{"name": "pbx", "type": "peer", "host": "", "expiry": 60}),
		"trunks[1].host")
	if _, err := e.st.Secret(config.TrunkSecretKey("bad name")); err == nil {
		t.Error("a refused trunk's password was stored")
	}
	e.do(me, "POST", "trunks", `{"name": "pbx", "type": "peer", "host": "10.0.0.1", "secret": "x"}`).
		want(t, http.StatusBadRequest)

	e.do(me, "GET", "trunks/provider", nil).want(t, http.StatusOK)
	e.do(me, "GET", "trunks/nobody", nil).want(t, http.StatusNotFound)
	e.do(me, "PUT", "trunks/provider", map[string]any{"type": "register", "host": "sip.example.net",
		"user": "02150001234", "password": "again"}).want(t, http.StatusOK)
	e.do(me, "DELETE", "trunks/provider", nil).want(t, http.StatusNoContent)
	if _, err := e.st.Secret(config.TrunkSecretKey("provider")); !errors.Is(err, store.ErrNoSecret) {
		t.Errorf("secret after delete: %v", err)
	}
	e.do(me, "DELETE", "trunks/provider", nil).want(t, http.StatusNotFound)
	if n := len(e.st.Config().Trunks); n != 0 {
		t.Errorf("%d trunks left", n)
	}
}

func TestAccountsCRUD(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	addTrunkAndRoute(t, e, me)
	r := e.do(me, "POST", "accounts", map[string]any{"ext": "1000", "name": "app server",
		"outbound_routes": []string{"mobile"}, "password": "acc-pw-1"}).want(t, http.StatusCreated)
	if bytes.Contains(r.body, []byte("acc-pw-1")) {
		t.Errorf("password shown: %s", r.body)
	}
	var v accountView
	r.decode(t, &v)
	if !v.HasPassword || v.Name != "app server" || !slices.Equal(v.OutboundRoutes, []string{"mobile"}) {
		t.Errorf("account = %+v", v)
	}
	e.do(me, "POST", "accounts", map[string]any{"ext": "1001"}).want(t, http.StatusCreated).decode(t, &v)
	if v.HasPassword || v.OutboundRoutes == nil {
		t.Errorf("account 1001 = %+v", v)
	}
	wantProblem(t, e.do(me, "POST", "accounts", map[string]any{"ext": "1002", "outbound_routes": []string{"nowhere"}}),
		"accounts[2].outbound_routes[0]")
	wantProblem(t, e.do(me, "POST", "accounts", map[string]any{"ext": "6500"}), "accounts[2].ext")
	e.do(me, "POST", "accounts", map[string]any{"ext": "1000"}).want(t, http.StatusConflict)
	e.do(me, "PUT", "accounts/1000", map[string]any{"name": "renamed"}).want(t, http.StatusOK).decode(t, &v)
	if !v.HasPassword || v.Name != "renamed" || len(v.OutboundRoutes) != 0 {
		t.Errorf("after PUT: %+v", v)
	}
	e.do(me, "PUT", "accounts/1000", map[string]any{"ext": "1003"}).want(t, http.StatusUnprocessableEntity)
	var list []accountView
	e.do(me, "GET", "accounts", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 2 || list[0].Ext != "1000" || bytes.Contains(e.do(me, "GET", "accounts", nil).body, []byte("acc-pw-1")) {
		t.Errorf("accounts = %+v", list)
	}
	e.do(me, "DELETE", "accounts/1000", nil).want(t, http.StatusNoContent)
	if _, err := e.st.Secret(config.AccountSecretKey("1000")); !errors.Is(err, store.ErrNoSecret) {
		t.Errorf("secret after delete: %v", err)
	}
	e.do(me, "GET", "accounts/1000", nil).want(t, http.StatusNotFound)
}

// addTrunkAndRoute adds the peer trunk "pbx" and the outbound route "mobile" through it.
func addTrunkAndRoute(t *testing.T, e *env, me as) {
	t.Helper()
	e.do(me, "POST", "trunks", map[string]any{"name": "pbx", "type": "peer", "host": "192.168.9.121"}).
		want(t, http.StatusCreated)
	e.do(me, "PUT", "routes", map[string]any{"outbound": []map[string]any{
		{"name": "mobile", "patterns": []string{"_1XXXXXXXXXX"}, "trunks": []string{"pbx"}}}}).want(t, http.StatusOK)
}

func TestRoutes(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	r := e.do(me, "GET", "routes", nil).want(t, http.StatusOK)
	if got := strings.TrimSpace(string(r.body)); got != `{"inbound":[],"outbound":[]}` {
		t.Errorf("empty routes = %s", got)
	}
	addTrunkAndRoute(t, e, me)
	body := routesJSON{
		Inbound: []config.InboundRoute{{Name: "office", Trunk: "pbx", DID: "_X.", IVR: "6500"}, {Name: "any", IVR: "6501"}},
		Outbound: []config.OutboundRoute{
			{Name: "local", Patterns: []string{"_8XXX"}, Strip: 1, Trunks: []string{"pbx"}},
			{Name: "mobile", Patterns: []string{"_1XXXXXXXXXX", "10086"}, Prefix: "0", Trunks: []string{"pbx"}},
		},
	}
	var got routesJSON
	e.do(me, "PUT", "routes", body).want(t, http.StatusOK).decode(t, &got)
	if len(got.Inbound) != 2 || got.Inbound[1].Name != "any" || len(got.Outbound) != 2 || got.Outbound[0].Name != "local" {
		t.Errorf("routes = %+v", got)
	}
	c := e.st.Config()
	if len(c.InboundRoutes) != 2 || c.OutboundRoutes[1].Prefix != "0" {
		t.Errorf("stored: %+v %+v", c.InboundRoutes, c.OutboundRoutes)
	}

	for _, tc := range []struct {
		name, field string
		body        any
	}{
		{"bad pattern", "outbound_routes[0].patterns[0]", map[string]any{"outbound": []map[string]any{
			{"name": "x", "patterns": []string{"_1Q."}, "trunks": []string{"pbx"}}}}},
		{"missing trunk", "outbound_routes[0].trunks[0]", map[string]any{"outbound": []map[string]any{
			{"name": "mobile", "patterns": []string{"_1."}, "trunks": []string{"nowhere"}}}}},
		{"inbound missing trunk", "inbound_routes[0].trunk", map[string]any{"inbound": []map[string]any{
			{"name": "in", "trunk": "nowhere", "ivr": "6500"}}}},
		{"missing IVR", "inbound_routes[0].ivr", map[string]any{"inbound": []map[string]any{{"name": "in", "ivr": "9999"}}}},
		{"route an account uses", "accounts[0].outbound_routes[0]", map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "route an account uses" {
				e.do(me, "POST", "accounts", map[string]any{"ext": "1000", "outbound_routes": []string{"mobile"}}).
					want(t, http.StatusCreated)
			}
			wantProblem(t, e.do(me, "PUT", "routes", tc.body), tc.field)
			if n := len(e.st.Config().OutboundRoutes); n != 2 {
				t.Errorf("%d outbound routes stored, want the 2 from before", n)
			}
		})
	}
	// A trunk a route names cannot be deleted.
	wantProblem(t, e.do(me, "DELETE", "trunks/pbx", nil), "outbound_routes[0].trunks[0]")
	e.do(me, "PUT", "routes", `{"inbound": [], "outbound": [], "extra": 1}`).want(t, http.StatusBadRequest)
}
