package config

import (
	"strings"
	"testing"
)

func TestValidateHTTPHosts(t *testing.T) {
	c := Defaults()
	c.System.HTTPHosts = []string{"ivr.example.com", "*.lab.example", "box", "Office-1.LAN"}
	if err := Validate(c); err != nil {
		t.Fatalf("good names refused: %v", err)
	}
	c.System.HTTPHosts = []string{"ivr.example.com:8080", "*.", "a..b", "-a.b", "http://x", "*.*.x", strings.Repeat("a", 64) + ".b"}
	probs := Problems(Validate(c))
	if len(probs) != len(c.System.HTTPHosts) {
		t.Fatalf("problems %v, want one per name", probs)
	}
	if p := probs[0]; p.Field != "system.http_hosts[0]" || !strings.Contains(p.Problem, "is not a host name") {
		t.Fatalf("problem %+v", p)
	}
	c.System.HTTPHosts = make([]string, MaxHTTPHosts+1)
	for i := range c.System.HTTPHosts {
		c.System.HTTPHosts[i] = "a.b"
	}
	if err := Validate(c); err == nil || !strings.Contains(err.Error(), "the limit is 32") {
		t.Fatalf("too many names: %v", err)
	}
}
