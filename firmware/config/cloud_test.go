package config

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// TestCloudValidate: the cloud settings' refusals name their field; good
// settings and the zero value pass; defaults apply.
func TestCloudValidate(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	base := func(mod func(c *Config)) Config {
		c := Defaults()
		c.IVRs = append(c.IVRs, IVR{Number: "6001", Control: ControlCloud})
		mod(&c)
		return c
	}
	ok := []Config{
		base(func(*Config) {}),
		base(func(c *Config) {
			c.Cloud = Cloud{Namespace: "test.cc", Tokens: []CloudToken{{ID: "t1", Name: "asr", SHA256: hash}}}
			c.IVRs[len(c.IVRs)-1].Cloud = &CloudIVR{FirstCommand: 5, Idle: 30, AfterMedia: AfterMediaHold,
				Hold: []string{"moh"}, Fallback: Action{Type: ActTransfer, Target: "100"}}
		}),
	}
	for i, c := range ok {
		if err := Validate(c); err != nil {
			t.Errorf("good config %d: %v", i, err)
		}
	}
	bad := []struct {
		field string
		mod   func(c *Config)
	}{
		{"cloud.namespace", func(c *Config) { c.Cloud.Namespace = "a b" }},
		{"cloud.tokens[0].sha256", func(c *Config) { c.Cloud.Tokens = []CloudToken{{ID: "t", SHA256: "x"}} }},
		{"cloud.tokens[1].id", func(c *Config) {
			c.Cloud.Tokens = []CloudToken{{ID: "t", SHA256: hash}, {ID: "t", SHA256: hash}}
		}},
		{".control", func(c *Config) { c.IVRs[len(c.IVRs)-1].Control = "robot" }},
		{".cloud.first_command", func(c *Config) { c.IVRs[len(c.IVRs)-1].Cloud = &CloudIVR{FirstCommand: -1} }},
		{".cloud.hold", func(c *Config) { c.IVRs[len(c.IVRs)-1].Cloud = &CloudIVR{AfterMedia: AfterMediaHold} }},
		{".cloud.after_media", func(c *Config) { c.IVRs[len(c.IVRs)-1].Cloud = &CloudIVR{AfterMedia: "music"} }},
		{".cloud.fallback.target", func(c *Config) {
			c.IVRs[len(c.IVRs)-1].Cloud = &CloudIVR{Fallback: Action{Type: ActIVR, Target: "9999"}}
		}},
	}
	for _, b := range bad {
		err := Validate(base(b.mod))
		if err == nil || !strings.Contains(err.Error(), b.field) {
			t.Errorf("%s: %v", b.field, err)
		}
	}
	var s CloudIVR
	if s.FirstWait() != 10*time.Second || s.IdleWait() != time.Minute || s.FallbackAction().Type != ActHangup ||
		s.NextAction().Type != ActHangup || (Cloud{}).NS() != DefaultNamespace {
		t.Errorf("defaults: %v %v %v", s.FirstWait(), s.IdleWait(), s.FallbackAction())
	}
}

// TestTokenAPIs: a token opens what its APIs say, only the cloud API when
// they are empty (tokens made before), and validation refuses unknown
// names and repeats.
func TestTokenAPIs(t *testing.T) {
	tests := []struct {
		apis      []string
		cloud, ws bool
		opens     string
	}{
		{nil, true, false, "cloud"},
		{[]string{}, true, false, "cloud"},
		{[]string{APICloud}, true, false, "cloud"},
		{[]string{APIWS}, false, true, "ws"},
		{[]string{APIWS, APICloud}, true, true, "ws,cloud"},
	}
	for _, tt := range tests {
		tok := CloudToken{APIs: tt.apis}
		if tok.Allows(APICloud) != tt.cloud || tok.Allows(APIWS) != tt.ws || tok.Allows("pbx") || tok.Allows("") ||
			strings.Join(tok.Opens(), ",") != tt.opens {
			t.Errorf("APIs %q: cloud %v ws %v opens %q", tt.apis, tok.Allows(APICloud), tok.Allows(APIWS), tok.Opens())
		}
	}
	hash := strings.Repeat("ab", 32)
	c := Defaults()
	c.Cloud.Tokens = []CloudToken{{ID: "a", SHA256: hash, APIs: []string{APIWS, APICloud}}, {ID: "b", SHA256: hash, APIs: []string{APIWS}}}
	if err := Validate(c); err != nil {
		t.Errorf("good APIs: %v", err)
	}
	c.Cloud.Tokens = []CloudToken{{ID: "a", SHA256: hash, APIs: []string{"pbx", APIWS, APIWS}}}
	got := []string{}
	for _, p := range Problems(Validate(c)) {
		got = append(got, p.Error())
	}
	want := []string{`cloud.tokens[0].apis: "pbx" is not an API (one of cloud, ws, conf)`, `cloud.tokens[0].apis: "ws" is listed twice`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

// TestTokenAllows: the raw token matches its hash only for the APIs its
// token opens; unknown and empty tokens are refused.
func TestTokenAllows(t *testing.T) {
	hash := func(raw string) string {
		sum := sha256.Sum256([]byte(raw))
		return hex.EncodeToString(sum[:])
	}
	c := Cloud{Tokens: []CloudToken{
		{ID: "old", SHA256: hash("old-token")},
		{ID: "ws", SHA256: hash("ws-token"), APIs: []string{APIWS}},
		{ID: "both", SHA256: hash("both-token"), APIs: []string{APICloud, APIWS}},
		{ID: "empty", SHA256: hash("")},
	}}
	tests := []struct {
		raw, api string
		want     bool
	}{
		{"old-token", APICloud, true},
		{"old-token", APIWS, false},
		{"ws-token", APIWS, true},
		{"ws-token", APICloud, false},
		{"both-token", APICloud, true},
		{"both-token", APIWS, true},
		{"both-token", "pbx", false},
		{"other-token", APICloud, false},
		{hash("old-token"), APICloud, false}, // the hash is not the token
		{"", APICloud, false},
	}
	for _, tt := range tests {
		if got := c.TokenAllows(tt.raw, tt.api); got != tt.want {
			t.Errorf("TokenAllows(%q, %q) = %v, want %v", tt.raw, tt.api, got, tt.want)
		}
	}
	if (Cloud{}).TokenAllows("old-token", APICloud) {
		t.Error("no tokens, yet allowed")
	}
}
