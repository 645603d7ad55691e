// Package secheader holds the security headers every JSON API answer of
// the box carries (the admin API, the PBX API), so they stay the same.
package secheader

import "net/http"

// Set sets the security headers on h: no sniffing, no caching, no framing,
// no referrer, same-origin resources only and a CSP that allows nothing (an
// API answer is never a page).
func Set(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
}
