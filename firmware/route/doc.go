// Package route decides where calls go by the config's routes: which IVR
// answers a call arriving from a trunk (MatchInbound), and which outbound
// route, trunks and dialled number an outbound call uses under a local
// account's permission (MatchOutbound, the PBX API's fromext).
//
// It only reads a config.Config: it never places calls, touches SIP, the
// network or the store, and never panics on any config or number (invalid
// patterns, which Validate refuses, simply never match). The pattern syntax
// is in package route/pattern, re-exported here as Compile and Pattern.
package route
