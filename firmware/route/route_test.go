package route

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// testConfig is the docs/CONFIG.md telephony example, plus routes that
// exercise order, permissions, strip and prefix.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	c := config.Defaults()
	c.Trunks = []config.Trunk{
		{Name: "provider", Type: config.TrunkRegister, Host: "sip.example.net", User: "02150001234"},
		{Name: "backup", Type: config.TrunkPeer, Host: "192.0.2.10:5080"},
	}
	c.OutboundRoutes = []config.OutboundRoute{
		{Name: "emergency", Patterns: []string{"110", "120"}, Trunks: []string{"backup"}},
		{Name: "mobile", Patterns: []string{"_1XXXXXXXXXX", "_10086"}, Trunks: []string{"provider", "backup"}},
		{Name: "international", Patterns: []string{"_00."}, Strip: 2, Prefix: "+", Trunks: []string{"provider"}},
		{Name: "outside", Patterns: []string{"_9."}, Strip: 1, Trunks: []string{"provider"}},
		{Name: "all", Patterns: []string{"_X."}, Trunks: []string{"backup"}},
		{Name: "strip-all", Patterns: []string{"_8"}, Strip: 3, Trunks: []string{"backup"}},
	}
	c.InboundRoutes = []config.InboundRoute{
		{Name: "support", Trunk: "provider", DID: "_0215000123[4-5]", IVR: "6501"},
		{Name: "provider", Trunk: "provider", IVR: "6500"},
		{Name: "lab", DID: "_7XX", IVR: "6502"},
	}
	c.Accounts = []config.Account{
		{Ext: "1000", Name: "API", OutboundRoutes: []string{"mobile", "outside", "international", "strip-all"}},
		{Ext: "1001", OutboundRoutes: []string{"all"}},
		{Ext: "1002"},
	}
	if err := config.Validate(c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMatchOutbound(t *testing.T) {
	c := testConfig(t)
	tests := []struct {
		ext, number string
		route, dial string // route "" means no route
		err         error
		reason      string
	}{
		{"1000", "10086", "mobile", "10086", nil, ""},
		{"1000", "13800138000", "mobile", "13800138000", nil, ""},
		{"1000", "9021555", "outside", "021555", nil, ""},
		{"1000", "00441234", "international", "+441234", nil, ""},
		{"1001", "13800138000", "all", "13800138000", nil, ""},
		{"1001", "10086", "all", "10086", nil, ""},
		{"1000", "110", "", "", ErrNotAllowed, `route: outbound route not allowed: account "1000" may not use route "emergency" for "110"`},
		{"1002", "10086", "", "", ErrNotAllowed, `route: outbound route not allowed: account "1002" may not use route "mobile" for "10086"`},
		{"1000", "*97", "", "", ErrNoRoute, `route: no outbound route matches "*97"`},
		{"1000", "", "", "", ErrNoRoute, `route: no outbound route matches ""`},
		{"1000", "8", "", "", ErrNoRoute, `route: no outbound route matches "8"`}, // strip leaves nothing
		{"6500", "10086", "", "", ErrUnknownAccount, `route: unknown account "6500"`},
		{"", "10086", "", "", ErrUnknownAccount, `route: unknown account ""`},
	}
	for _, tt := range tests {
		r, dial, ok, reason := MatchOutbound(c, tt.ext, tt.number)
		if r.Name != tt.route || dial != tt.dial || ok != (tt.route != "") || reason != tt.reason {
			t.Errorf("MatchOutbound(%q, %q) = %q, %q, %v, %q; want %q, %q, %q",
				tt.ext, tt.number, r.Name, dial, ok, reason, tt.route, tt.dial, tt.reason)
		}
		if _, err := FindOutbound(c, tt.ext, tt.number); !errors.Is(err, tt.err) {
			t.Errorf("FindOutbound(%q, %q) = %v, want %v", tt.ext, tt.number, err, tt.err)
		}
	}
}

func TestFindAnyOutbound(t *testing.T) {
	c := testConfig(t)
	for _, tt := range []struct{ number, route, dial string }{
		{"110", "emergency", "110"}, // no account needed
		{"9021555", "outside", "021555"},
		{"555", "all", "555"},
		{"8", "", ""}, // strip leaves nothing
		{"*97", "", ""},
	} {
		out, err := FindAnyOutbound(c, tt.number)
		if out.Route.Name != tt.route || out.Dial != tt.dial || (tt.route == "") != errors.Is(err, ErrNoRoute) {
			t.Errorf("FindAnyOutbound(%q) = %q, %q, %v; want %q, %q", tt.number, out.Route.Name, out.Dial, err, tt.route, tt.dial)
		}
	}
}

func TestMatchOutboundFailoverOrder(t *testing.T) {
	r, _, ok, _ := MatchOutbound(testConfig(t), "1000", "13800138000")
	if !ok || len(r.Trunks) != 2 || r.Trunks[0] != "provider" || r.Trunks[1] != "backup" {
		t.Errorf("route %+v", r)
	}
}

func TestMatchInbound(t *testing.T) {
	c := testConfig(t)
	tests := []struct {
		trunk, did string
		ivr        string // "" means no match
	}{
		{"provider", "02150001234", "6501"},
		{"provider", "02150001235", "6501"},
		{"provider", "02150001236", "6500"},
		{"provider", "", "6500"},
		{"backup", "701", "6502"},
		{"", "799", "6502"},
		{"backup", "02150001234", ""},
		{"nope", "", ""},
	}
	for _, tt := range tests {
		ivr, ok := MatchInbound(c, tt.trunk, tt.did)
		if ivr != tt.ivr || ok != (tt.ivr != "") {
			t.Errorf("MatchInbound(%q, %q) = %q, %v; want %q", tt.trunk, tt.did, ivr, ok, tt.ivr)
		}
	}
}

// TestInvalidConfig: routing never panics on a config Validate refuses;
// bad patterns match nothing.
func TestInvalidConfig(t *testing.T) {
	c := config.Config{
		OutboundRoutes: []config.OutboundRoute{{Name: "x", Patterns: []string{"_1Q.", ""}, Strip: -3}, {Name: "y", Patterns: []string{"_X."}, Strip: 99}},
		InboundRoutes:  []config.InboundRoute{{DID: "_[", IVR: "1"}},
		Accounts:       []config.Account{{Ext: "1", OutboundRoutes: []string{"x", "y"}}},
	}
	if _, _, ok, _ := MatchOutbound(c, "1", "123"); ok {
		t.Error("bad pattern matched")
	}
	if _, ok := MatchInbound(c, "", "1"); ok {
		t.Error("bad DID matched")
	}
}

func TestCompile(t *testing.T) {
	p, err := Compile("_1XX.")
	if err != nil || !p.Match("1234") || p.Match("123") {
		t.Errorf("Compile = %v, %v", p, err)
	}
	if _, err := Compile("_1Q."); err == nil || err.Error() != `"_1Q." bad pattern: unknown letter Q` {
		t.Errorf("Compile(_1Q.) = %v", err)
	}
}

// TestDocExample checks what docs/CONFIG.md says about its telephony
// example (the config package's testdata/telephony.json).
func TestDocExample(t *testing.T) {
	data, err := os.ReadFile("../config/testdata/telephony.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Import(data)
	if err != nil {
		t.Fatal(err)
	}
	if r, dial, ok, _ := MatchOutbound(c, "1000", "10086"); !ok || dial != "10086" || !slices.Equal(r.Trunks, []string{"provider", "office-pbx"}) {
		t.Errorf("10086 via 1000: %+v %q %v", r, dial, ok)
	}
	if _, _, ok, reason := MatchOutbound(c, "1000", "8123"); ok || !strings.Contains(reason, `may not use route "office"`) {
		t.Errorf("8123 via 1000: %v %q", ok, reason)
	}
	if r, dial, ok, _ := MatchOutbound(c, "1001", "8123"); !ok || dial != "123" || r.Name != "office" {
		t.Errorf("8123 via 1001: %+v %q %v", r, dial, ok)
	}
	for _, tt := range []struct{ trunk, did, ivr string }{{"provider", "02150001234", "6500"}, {"office-pbx", "1", "6500"}, {"provider", "1", ""}} {
		if ivr, _ := MatchInbound(c, tt.trunk, tt.did); ivr != tt.ivr {
			t.Errorf("MatchInbound(%q, %q) = %q, want %q", tt.trunk, tt.did, ivr, tt.ivr)
		}
	}
}
