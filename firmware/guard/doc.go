// Package guard protects the SIP service from abusive sources: token
// buckets per source address (one for INVITEs, one for every request), an
// automatic block for a source that overruns them, an allow-list of
// addresses never blocked, and the throttle of failed REGISTER
// authentication per source and per account. Its maps are bounded, so
// spoofed source addresses cannot grow its memory, and its log lines are
// rate-limited. It never touches the network: package sip asks it about
// each request and drops what it refuses.
package guard
