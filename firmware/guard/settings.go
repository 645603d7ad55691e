package guard

import (
	"net/netip"
	"time"
)

// Defaults of Settings' zero fields.
const (
	DefaultInviteRate   = 10               // INVITEs a second per source
	DefaultInviteBurst  = 20               // INVITEs at once per source
	DefaultRequestRate  = 50               // requests a second per source
	DefaultRequestBurst = 100              // requests at once per source
	DefaultBlockFor     = 10 * time.Minute // how long an overrunning source is blocked
	DefaultAuthFailures = 10               // failed authentications before a ban
	DefaultAuthWindow   = time.Minute      // the window those failures count in
	DefaultAuthBanFor   = 10 * time.Minute // how long the ban lasts
)

// Settings are the limits. Zero fields mean the defaults above.
type Settings struct {
	// Off turns the guard off: every request passes, nothing is blocked
	// and failed authentications are not counted.
	Off bool
	// InviteRate and InviteBurst are the token bucket of new INVITEs per
	// source address.
	InviteRate  float64
	InviteBurst int
	// RequestRate and RequestBurst are the token bucket of all requests
	// (INVITEs included) per source address.
	RequestRate  float64
	RequestBurst int
	// BlockFor is how long a source that overran a bucket is blocked.
	BlockFor time.Duration
	// Refuse answers a blocked source's requests with 403 instead of
	// dropping them silently (dropping costs less and tells less).
	Refuse bool
	// Allow lists the addresses never limited nor blocked (trunks, the
	// admin's LAN). 127.0.0.1 and ::1, the box's own processes (a local
	// application, a SIP proxy in front of the box), are always allowed.
	Allow []netip.Prefix
	// AuthFailures failed authentications within AuthWindow, from one
	// source or for one account, ban it for AuthBanFor: the source is
	// blocked like an overrunning one, and the account's REGISTERs are
	// refused (403) from every other source, the right password included.
	AuthFailures int
	AuthWindow   time.Duration
	AuthBanFor   time.Duration
}

// withDefaults fills the zero fields.
func (s Settings) withDefaults() Settings {
	if s.InviteRate <= 0 {
		s.InviteRate = DefaultInviteRate
	}
	if s.InviteBurst <= 0 {
		s.InviteBurst = DefaultInviteBurst
	}
	if s.RequestRate <= 0 {
		s.RequestRate = DefaultRequestRate
	}
	if s.RequestBurst <= 0 {
		s.RequestBurst = DefaultRequestBurst
	}
	if s.BlockFor <= 0 {
		s.BlockFor = DefaultBlockFor
	}
	if s.AuthFailures <= 0 {
		s.AuthFailures = DefaultAuthFailures
	}
	if s.AuthWindow <= 0 {
		s.AuthWindow = DefaultAuthWindow
	}
	if s.AuthBanFor <= 0 {
		s.AuthBanFor = DefaultAuthBanFor
	}
	return s
}

// own are the box's own loopback addresses, always allowed.
var own = [...]netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}

// allowed reports whether a is on the allow-list.
func (s *Settings) allowed(a netip.Addr) bool {
	if a == own[0] || a == own[1] {
		return true
	}
	for _, p := range s.Allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
