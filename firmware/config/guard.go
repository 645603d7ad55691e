package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Guard holds the SIP abuse limits: per-source rate limits with automatic
// blocks, an allow-list, and the ban after failed REGISTER
// authentications (docs/SECURITY.md). Zero fields mean the defaults.
type Guard struct {
	// Off turns the limits off (every source served, nothing blocked).
	Off bool `json:"off,omitempty"`
	// InviteRate is the new INVITEs a second one source may send, with
	// InviteBurst at once; 0 means 10 and 20.
	InviteRate  int `json:"invite_rate,omitempty"`
	InviteBurst int `json:"invite_burst,omitempty"`
	// RequestRate is the requests (any method) a second one source may
	// send, with RequestBurst at once; 0 means 50 and 100.
	RequestRate  int `json:"request_rate,omitempty"`
	RequestBurst int `json:"request_burst,omitempty"`
	// BlockMinutes is how long a source over a rate stays blocked; 0 means 10.
	BlockMinutes int `json:"block_minutes,omitempty"`
	// Refuse answers a blocked source 403 instead of dropping its packets
	// silently (the default: cheaper, and tells a scanner nothing).
	Refuse bool `json:"refuse,omitempty"`
	// Allow lists addresses and networks ("192.0.2.7", "10.0.0.0/8")
	// never limited nor blocked: the trunks' and the admin's.
	Allow []string `json:"allow,omitempty"`
	// AuthFailures failed REGISTER authentications within AuthWindow
	// seconds, from one source or for one account, block the source and
	// ban the account for AuthBanMinutes; 0 means 10, 60 and 10.
	AuthFailures   int `json:"auth_failures,omitempty"`
	AuthWindow     int `json:"auth_window,omitempty"`
	AuthBanMinutes int `json:"auth_ban_minutes,omitempty"`
}

// Capacity is admission control: past what the box carries with good
// audio, new calls are answered 503 Service Unavailable with Retry-After
// instead of degrading every call. Zero value: no limit but max_calls.
type Capacity struct {
	// Calls is the most simultaneous calls the box takes before it answers
	// 503 (measure it with the load generator on the board); 0: no limit
	// but system.max_calls (which answers 486).
	Calls int `json:"calls,omitempty"`
	// LateFrames sheds load by the media engine's health: when its shards
	// skipped at least this many 20 ms frames in the last 10 seconds, new
	// calls get 503 until 10 seconds pass without. 0 turns it off.
	LateFrames int `json:"late_frames,omitempty"`
	// RetryAfter is the Retry-After of those 503s in seconds; 0 means 30.
	RetryAfter int `json:"retry_after,omitempty"`
}

// Limits of Guard and Capacity.
const (
	MaxGuardRate      = 100000
	MaxGuardAllow     = 256
	MaxGuardMinutes   = 7 * 24 * 60
	DefaultRetryAfter = 30
	MaxRetryAfter     = 3600
	MaxLateFrames     = 500 // the frames of 10 seconds
)

// AllowPrefixes parses Allow (validated entries; bad ones are skipped).
func (g Guard) AllowPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range g.Allow {
		if p, err := parsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// BlockFor, AuthWindowFor and AuthBanFor are the times as durations (0:
// the default).
func (g Guard) BlockFor() time.Duration { return time.Duration(g.BlockMinutes) * time.Minute }

// AuthWindowFor is AuthWindow as a duration (0: the default).
func (g Guard) AuthWindowFor() time.Duration { return time.Duration(g.AuthWindow) * time.Second }

// AuthBanFor is AuthBanMinutes as a duration (0: the default).
func (g Guard) AuthBanFor() time.Duration { return time.Duration(g.AuthBanMinutes) * time.Minute }

// Retry is the Retry-After of a shed call.
func (c Capacity) Retry() time.Duration {
	if c.RetryAfter <= 0 {
		return DefaultRetryAfter * time.Second
	}
	return time.Duration(c.RetryAfter) * time.Second
}

// parsePrefix reads an address or a network.
func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// guard checks the abuse limits.
func (v *validator) guard(p string, g Guard) {
	for _, f := range []struct {
		name   string
		n, max int
	}{{"invite_rate", g.InviteRate, MaxGuardRate}, {"invite_burst", g.InviteBurst, MaxGuardRate},
		{"request_rate", g.RequestRate, MaxGuardRate}, {"request_burst", g.RequestBurst, MaxGuardRate},
		{"block_minutes", g.BlockMinutes, MaxGuardMinutes}, {"auth_failures", g.AuthFailures, MaxGuardRate},
		{"auth_window", g.AuthWindow, MaxGuardMinutes * 60}, {"auth_ban_minutes", g.AuthBanMinutes, MaxGuardMinutes}} {
		if f.n < 0 || f.n > f.max {
			v.add(p+"."+f.name, "%d must be between 0 and %d (0 means the default)", f.n, f.max)
		}
	}
	if len(g.Allow) > MaxGuardAllow {
		v.add(p+".allow", "has %d entries, the limit is %d", len(g.Allow), MaxGuardAllow)
		return
	}
	for i, s := range g.Allow {
		if _, err := parsePrefix(s); err != nil {
			v.add(fmt.Sprintf("%s.allow[%d]", p, i), "%q is not an IP address or network (e.g. 192.0.2.7 or 10.0.0.0/8)", clipValue(s))
		}
	}
}

// capacity checks admission control.
func (v *validator) capacity(p string, c Capacity) {
	if c.Calls < 0 || c.Calls > MaxCallLimit {
		v.add(p+".calls", "%d must be between 0 (no limit) and %d", c.Calls, MaxCallLimit)
	}
	if c.LateFrames < 0 || c.LateFrames > MaxLateFrames {
		v.add(p+".late_frames", "%d must be between 0 (off) and %d", c.LateFrames, MaxLateFrames)
	}
	if c.RetryAfter < 0 || c.RetryAfter > MaxRetryAfter {
		v.add(p+".retry_after", "%d must be between 0 (%d s) and %d", c.RetryAfter, DefaultRetryAfter, MaxRetryAfter)
	}
}

// clipValue shortens a bad value for a problem's text.
func clipValue(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
