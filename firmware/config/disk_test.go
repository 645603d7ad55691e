package config

import (
	"strings"
	"testing"
)

func TestValidateDisks(t *testing.T) {
	ok := Disk{Number: 1, Server: "nas.local", Share: "prompts"}
	tests := []struct {
		name  string
		disks []Disk
		field string // "" = valid
	}{
		{"guest", []Disk{ok}, ""},
		{"user, port, folder", []Disk{{Number: 8, Server: "10.0.0.5:4450", Share: "p", Folder: "ivr/cn", User: "bob"}}, ""},
		{"ipv6", []Disk{{Number: 2, Server: "[::1]:445", Share: "p"}}, ""},
		{"number 0", []Disk{{Number: 0, Server: "a", Share: "p"}}, "disks[0].number"},
		{"number 9", []Disk{{Number: 9, Server: "a", Share: "p"}}, "disks[0].number"},
		{"duplicate", []Disk{ok, ok}, "disks[1].number"},
		{"no server", []Disk{{Number: 1, Share: "p"}}, "disks[0].server"},
		{"server path", []Disk{{Number: 1, Server: "//nas/p", Share: "p"}}, "disks[0].server"},
		{"bad port", []Disk{{Number: 1, Server: "nas:99999", Share: "p"}}, "disks[0].server"},
		{"no share", []Disk{{Number: 1, Server: "nas"}}, "disks[0].share"},
		{"share slash", []Disk{{Number: 1, Server: "nas", Share: "a/b"}}, "disks[0].share"},
		{"folder dotdot", []Disk{{Number: 1, Server: "nas", Share: "p", Folder: "a/../.."}}, "disks[0].folder"},
		{"folder backslash", []Disk{{Number: 1, Server: "nas", Share: "p", Folder: `a\b`}}, "disks[0].folder"},
		{"user colon", []Disk{{Number: 1, Server: "nas", Share: "p", User: "a:b"}}, "disks[0].user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			c.Disks = tt.disks
			ps := Problems(Validate(c))
			if tt.field == "" {
				if len(ps) != 0 {
					t.Fatalf("problems: %v", ps)
				}
				return
			}
			for _, p := range ps {
				if p.Field == tt.field {
					return
				}
			}
			t.Fatalf("want a problem at %s, got %v", tt.field, ps)
		})
	}
}

func TestDiskAccessors(t *testing.T) {
	if got := (Disk{Server: "nas"}).Addr(); got != "nas:445" {
		t.Errorf("Addr = %q", got)
	}
	if got := (Disk{Server: "nas:139"}).Addr(); got != "nas:139" {
		t.Errorf("Addr = %q", got)
	}
	if got := MountPrefix(3); got != "/tmp/media/networkdisk3" {
		t.Errorf("MountPrefix = %q", got)
	}
	c := Defaults()
	c.Disks = []Disk{{Number: 1, Server: "a", Share: "b"}}
	cl := c.Clone()
	cl.Disks[0].Share = "x"
	if c.Disks[0].Share != "b" {
		t.Error("Clone shares Disks")
	}
	if d, ok := c.Disk(1); !ok || !strings.HasPrefix(d.DisplayName(), "networkdisk1") {
		t.Errorf("Disk(1) = %v %v", d, ok)
	}
}
