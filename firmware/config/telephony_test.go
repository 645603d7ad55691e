package config

import (
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// telephony returns testdata/telephony.json, the docs/CONFIG.md example.
func telephony(t *testing.T) Config {
	t.Helper()
	data, err := os.ReadFile("testdata/telephony.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Import(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestValidateTelephony(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Config)
		want []string
	}{
		{"example", func(c *Config) {}, nil},
		{"none", func(c *Config) { c.Trunks, c.Accounts, c.InboundRoutes, c.OutboundRoutes = nil, nil, nil, nil }, nil},

		// trunks
		{"trunk name", func(c *Config) { c.Trunks[0].Name = "a b" }, []string{
			`trunks[0].name: "a b" must be 1 to 32 letters, digits, - _ or . (not first)`,
			`outbound_routes[0].trunks[0]: no trunk is named "provider"`,
			`inbound_routes[0].trunk: no trunk is named "provider"`}},
		{"trunk name missing", func(c *Config) { c.Trunks[1].Name = "" }, []string{
			`trunks[1].name: is required`,
			`outbound_routes[0].trunks[1]: no trunk is named "office-pbx"`,
			`outbound_routes[1].trunks[0]: no trunk is named "office-pbx"`,
			`inbound_routes[1].trunk: no trunk is named "office-pbx"`}},
		{"trunk name long", func(c *Config) {
			c.Trunks = append(c.Trunks, Trunk{Name: strings.Repeat("t", 33), Type: TrunkPeer, Host: "h"})
		}, []string{
			`trunks[2].name: "` + strings.Repeat("t", 33) + `" must be 1 to 32 letters, digits, - _ or . (not first)`}},
		{"trunk named by its address (the seed's)", func(c *Config) {
			c.Trunks = append(c.Trunks, Trunk{Name: "192.168.9.121", Type: TrunkPeer, Host: "192.168.9.121"},
				Trunk{Name: "sip.example.net", Type: TrunkPeer, Host: "sip.example.net"})
			c.InboundRoutes[0].Trunk = "192.168.9.121"
			c.OutboundRoutes[0].Trunks[0] = "192.168.9.121"
		}, nil},
		{"trunk name starting with a dot", func(c *Config) {
			c.Trunks = append(c.Trunks, Trunk{Name: "..", Type: TrunkPeer, Host: "h"}, Trunk{Name: ".x", Type: TrunkPeer, Host: "h"})
		}, []string{
			`trunks[2].name: ".." must be 1 to 32 letters, digits, - _ or . (not first)`,
			`trunks[3].name: ".x" must be 1 to 32 letters, digits, - _ or . (not first)`}},
		{"trunk name with other punctuation", func(c *Config) {
			c.Trunks = append(c.Trunks, Trunk{Name: "a/b", Type: TrunkPeer, Host: "h"}, Trunk{Name: "a:5060", Type: TrunkPeer, Host: "h"})
		}, []string{
			`trunks[2].name: "a/b" must be 1 to 32 letters, digits, - _ or . (not first)`,
			`trunks[3].name: "a:5060" must be 1 to 32 letters, digits, - _ or . (not first)`}},
		{"trunk name twice", func(c *Config) { c.Trunks[1].Name = "provider" }, []string{
			`trunks[1].name: "provider" is also the name of trunks[0]`,
			`outbound_routes[0].trunks[1]: no trunk is named "office-pbx"`,
			`outbound_routes[1].trunks[0]: no trunk is named "office-pbx"`,
			`inbound_routes[1].trunk: no trunk is named "office-pbx"`}},
		{"trunk type", func(c *Config) { c.Trunks[0].Type = "sip" }, []string{
			`trunks[0].type: unknown trunk type "sip" (register or peer)`}},
		{"trunk type missing", func(c *Config) { c.Trunks[0].Type = "" }, []string{
			`trunks[0].type: is required (register or peer)`}},
		{"register without user", func(c *Config) { c.Trunks[0].User = "" }, []string{
			`trunks[0].user: is required for type register`}},
		{"expiry", func(c *Config) { c.Trunks[0].Expiry = 30 }, []string{
			`trunks[0].expiry: 30 must be 60 to 3600 seconds (0 means 300)`}},
		{"peer expiry", func(c *Config) { c.Trunks[1].Expiry = 300 }, []string{
			`trunks[1].expiry: must be 0 for type peer (peers do not register)`}},
		{"host", func(c *Config) { c.Trunks[0].Host = "" }, []string{
			`trunks[0].host: is required (host or host:port)`}},
		{"host port", func(c *Config) { c.Trunks[0].Host = "sip.example.net:0" }, []string{
			`trunks[0].host: port "0" must be 1 to 65535`}},
		{"transport", func(c *Config) { c.Trunks[0].Transport = "sctp" }, []string{
			`trunks[0].transport: "sctp" must be udp, tcp or tls`}},
		{"users", func(c *Config) { c.Trunks[0].User, c.Trunks[0].AuthUser, c.Trunks[0].FromUser = "a b", "a@b", "<x>" }, []string{
			`trunks[0].user: "a b" must be at most 64 printable ASCII characters, without spaces or @ : < > " \ ; ?`,
			`trunks[0].auth_user: "a@b" must be at most 64 printable ASCII characters, without spaces or @ : < > " \ ; ?`,
			`trunks[0].from_user: "<x>" must be at most 64 printable ASCII characters, without spaces or @ : < > " \ ; ?`}},
		{"domain", func(c *Config) { c.Trunks[0].Domain = "example.net:5060" }, []string{
			`trunks[0].domain: "example.net:5060" must be a host name or IP address, without a port`}},
		{"domain ok", func(c *Config) { c.Trunks[0].Domain = "voip.example.net" }, nil},
		{"too many trunks", func(c *Config) {
			for range MaxTrunks - 1 {
				c.Trunks = append(c.Trunks, Trunk{Name: "t" + strconv.Itoa(len(c.Trunks)), Type: TrunkPeer, Host: "h"})
			}
		}, []string{"trunks: 65 trunks, the limit is 64"}},

		// outbound routes
		{"bad pattern", func(c *Config) { c.OutboundRoutes[0].Patterns = append(c.OutboundRoutes[0].Patterns, "_1Q.") }, []string{
			`outbound_routes[0].patterns[2]: "_1Q." bad pattern: unknown letter Q`}},
		{"no patterns", func(c *Config) { c.OutboundRoutes[0].Patterns = nil }, []string{
			`outbound_routes[0].patterns: needs at least one pattern`}},
		{"too many patterns", func(c *Config) { c.OutboundRoutes[0].Patterns = slices.Repeat([]string{"1"}, 33) }, []string{
			`outbound_routes[0].patterns: 33 patterns, the limit is 32`}},
		{"strip", func(c *Config) { c.OutboundRoutes[1].Strip = -1 }, []string{
			`outbound_routes[1].strip: -1 must be 0 to 32`}},
		{"prefix", func(c *Config) { c.OutboundRoutes[1].Prefix = "9a" }, []string{
			`outbound_routes[1].prefix: "9a" must be digits, *, # with an optional leading +, at most 32`}},
		{"prefix plus", func(c *Config) { c.OutboundRoutes[1].Prefix = "+" }, nil},
		{"route trunks", func(c *Config) { c.OutboundRoutes[1].Trunks = []string{"nope", "office-pbx", "office-pbx"} }, []string{
			`outbound_routes[1].trunks[0]: no trunk is named "nope"`,
			`outbound_routes[1].trunks[2]: "office-pbx" is also outbound_routes[1].trunks[1]`}},
		{"route without trunks", func(c *Config) { c.OutboundRoutes[1].Trunks = nil }, []string{
			`outbound_routes[1].trunks: needs at least one trunk`}},
		{"route name twice", func(c *Config) { c.OutboundRoutes[1].Name = "mobile" }, []string{
			`outbound_routes[1].name: "mobile" is also the name of outbound_routes[0]`,
			`accounts[1].outbound_routes[1]: no outbound route is named "office"`}},

		// inbound routes
		{"inbound ivr", func(c *Config) { c.InboundRoutes[0].IVR = "6599" }, []string{
			`inbound_routes[0].ivr: no IVR has number "6599"`}},
		{"inbound ivr missing", func(c *Config) { c.InboundRoutes[0].IVR = "" }, []string{
			`inbound_routes[0].ivr: is required`}},
		{"inbound did", func(c *Config) { c.InboundRoutes[0].DID = "_[" }, []string{
			`inbound_routes[0].did: "_[" bad pattern: [ without ]`}},
		{"inbound trunk", func(c *Config) { c.InboundRoutes[0].Trunk = "x" }, []string{
			`inbound_routes[0].trunk: no trunk is named "x"`}},
		{"inbound any", func(c *Config) { c.InboundRoutes[0].Trunk, c.InboundRoutes[0].DID = "", "" }, nil},
		{"inbound name twice", func(c *Config) { c.InboundRoutes[1].Name = "main-number" }, []string{
			`inbound_routes[1].name: "main-number" is also the name of inbound_routes[0]`}},

		// accounts
		{"ext letters", func(c *Config) { c.Accounts[0].Ext = "10a" }, []string{
			`accounts[0].ext: "10a" must be 1 to 32 digits`}},
		{"ext missing", func(c *Config) { c.Accounts[0].Ext = "" }, []string{`accounts[0].ext: is required`}},
		{"ext twice", func(c *Config) { c.Accounts[1].Ext = "1000" }, []string{
			`accounts[1].ext: "1000" is also the ext of accounts[0]`}},
		{"ext is an ivr", func(c *Config) { c.Accounts[1].Ext = "6501" }, []string{
			`accounts[1].ext: "6501" is also the number of ivrs[1]`}},
		{"ext is the service number", func(c *Config) { c.Accounts[1].Ext = "6599" }, []string{
			`accounts[1].ext: "6599" is the service number`}},
		{"account name", func(c *Config) { c.Accounts[1].Name = "a\x00" }, []string{
			`accounts[1].name: contains a control character`}},
		{"account routes", func(c *Config) { c.Accounts[0].OutboundRoutes = []string{"mobile", "x", "mobile"} }, []string{
			`accounts[0].outbound_routes[1]: no outbound route is named "x"`,
			`accounts[0].outbound_routes[2]: "mobile" is also accounts[0].outbound_routes[0]`}},
		{"account without routes", func(c *Config) { c.Accounts[0].OutboundRoutes = nil }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := telephony(t)
			tt.edit(&c)
			var got []string
			for _, p := range Problems(Validate(c)) {
				got = append(got, p.Error())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTrunkAccessors(t *testing.T) {
	tests := []struct {
		trunk                        Trunk
		net, addr, realm, auth, from string
		expiry                       time.Duration
	}{
		{Trunk{Host: "sip.example.net", User: "u"}, "udp", "sip.example.net:5060", "sip.example.net", "u", "u", 300 * time.Second},
		{Trunk{Host: "10.0.0.1:5080", Transport: "tcp", User: "u", AuthUser: "a", FromUser: "f", Domain: "d.example", Expiry: 60},
			"tcp", "10.0.0.1:5080", "d.example", "a", "f", time.Minute},
		{Trunk{Host: "[2001:db8::1]:5061"}, "udp", "[2001:db8::1]:5061", "2001:db8::1", "", "", 300 * time.Second},
		{Trunk{Host: "2001:db8::1"}, "udp", "[2001:db8::1]:5060", "2001:db8::1", "", "", 300 * time.Second},
	}
	for _, tt := range tests {
		tr := tt.trunk
		if tr.Net() != tt.net || tr.Addr() != tt.addr || tr.Realm() != tt.realm || tr.AuthName() != tt.auth ||
			tr.CallerUser() != tt.from || tr.RegisterExpiry() != tt.expiry {
			t.Errorf("%+v: %q %q %q %q %q %v", tr, tr.Net(), tr.Addr(), tr.Realm(), tr.AuthName(), tr.CallerUser(), tr.RegisterExpiry())
		}
	}
	if TrunkSecretKey("provider") != "trunk/provider" || AccountSecretKey("1000") != "account/1000" {
		t.Error("secret keys")
	}
}

func TestTelephonyLookups(t *testing.T) {
	c := telephony(t)
	if tr, ok := c.Trunk("office-pbx"); !ok || tr.Type != TrunkPeer {
		t.Errorf("Trunk = %+v, %v", tr, ok)
	}
	if _, ok := c.Trunk("nope"); ok {
		t.Error("Trunk(nope)")
	}
	a, ok := c.Account("1000")
	if !ok || !a.MayUse("mobile") || a.MayUse("office") || a.DisplayName() != "API dialer" {
		t.Errorf("Account = %+v, %v", a, ok)
	}
	if _, ok := c.Account("1"); ok || (Account{Ext: "7"}).DisplayName() != "7" {
		t.Error("Account(1)")
	}
	r := OutboundRoute{Strip: 1, Prefix: "0"}
	if r.Dial("91234") != "01234" || r.Dial("9") != "0" || r.Dial("") != "0" || (OutboundRoute{}).Dial("12") != "12" {
		t.Error("Dial")
	}
}

func TestTelephonyCloneAndRoundTrip(t *testing.T) {
	c := telephony(t)
	d := c.Clone()
	if !reflect.DeepEqual(c, d) {
		t.Fatal("clone differs")
	}
	d.Trunks[0].Name = "x"
	d.Accounts[0].OutboundRoutes[0] = "x"
	d.InboundRoutes[0].IVR = "x"
	d.OutboundRoutes[0].Patterns[0] = "x"
	d.OutboundRoutes[0].Trunks[0] = "x"
	if c.Trunks[0].Name == "x" || c.Accounts[0].OutboundRoutes[0] == "x" || c.InboundRoutes[0].IVR == "x" ||
		c.OutboundRoutes[0].Patterns[0] == "x" || c.OutboundRoutes[0].Trunks[0] == "x" {
		t.Error("Clone shares telephony slices")
	}
	out, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Import(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, c)
	}
	if strings.Contains(string(out), `password":`) {
		t.Error("export mentions a password")
	}
}
