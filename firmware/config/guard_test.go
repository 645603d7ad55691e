package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestGuardValidateAndParse(t *testing.T) {
	c := Defaults()
	c.System.Guard = Guard{InviteRate: -1, Allow: []string{"10.0.0.0/8", " 192.0.2.7", "::ffff:192.0.2.8", "nope", "10.1.2.3/40"}}
	c.System.Capacity = Capacity{Calls: -2, RetryAfter: 99999, LateFrames: 501}
	err := Validate(c)
	var got []string
	for _, p := range Problems(err) {
		got = append(got, p.Field)
	}
	want := []string{"system.guard.invite_rate", "system.guard.allow[3]", "system.guard.allow[4]",
		"system.capacity.calls", "system.capacity.late_frames", "system.capacity.retry_after"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q, want %q (%v)", got, want, err)
	}
	ps := c.System.Guard.AllowPrefixes()
	if len(ps) != 3 || !ps[0].Contains(netip.MustParseAddr("10.9.9.9")) || ps[2] != netip.MustParsePrefix("192.0.2.8/32") {
		t.Errorf("prefixes %v", ps)
	}
	if (Capacity{}).Retry() != 30*time.Second || (Guard{BlockMinutes: 2}).BlockFor() != 2*time.Minute {
		t.Error("defaults")
	}
	d := c.Clone()
	d.System.Guard.Allow[0] = "x"
	if c.System.Guard.Allow[0] != "10.0.0.0/8" {
		t.Error("Clone shares the allow-list")
	}
	if !strings.Contains(err.Error(), "not an IP address or network") {
		t.Error(err)
	}
}
