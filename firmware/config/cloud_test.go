package config

import (
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
