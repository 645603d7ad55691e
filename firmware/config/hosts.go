package config

import (
	"fmt"
	"strings"
)

// MaxHTTPHosts bounds system.http_hosts.
const MaxHTTPHosts = 32

// ValidHostName reports whether s is a DNS name fit for system.http_hosts:
// labels of letters, digits and hyphens (not at a label's ends), at most
// 253 characters, optionally led by "*." for every name below it.
func ValidHostName(s string) bool {
	s = strings.TrimPrefix(s, "*.")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// httpHosts checks system.http_hosts.
func (v *validator) httpHosts(p string, hosts []string) {
	if len(hosts) > MaxHTTPHosts {
		v.add(p, "%d names, the limit is %d", len(hosts), MaxHTTPHosts)
	}
	for i, h := range hosts {
		if !ValidHostName(h) {
			v.add(fmt.Sprintf("%s[%d]", p, i), "%q is not a host name (letters, digits, hyphens and dots; \"*.\" first for every name below)", clipName(h))
		}
	}
}

// clipName shortens a value for a message.
func clipName(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
