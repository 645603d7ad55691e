// Package admin is the admin API of ivrbox: the JSON REST under /api/admin/
// that the web page uses and scripts reach with a token — first-run setup,
// login and sessions, API tokens, status, live calls and their media (forks,
// recordings) and an HTTP controller for API-control steps (leases and
// commands), the event stream (Server-Sent Events), call records and the
// recording files, the configuration (whole, per IVR, system, API access,
// backup and restore), the cloud IVR API's namespace, tokens and event
// subscriptions, prompts (upload, listen, delete), restart and
// factory reset, and the board's LEDs and buttons. The endpoints are
// documented in docs/API-ADMIN.md.
//
// Security: every endpoint but session, setup (first run only) and login
// needs the session cookie or a bearer token (package auth); every state
// change passes Go's http.CrossOriginProtection; logins are throttled per
// address; uploads are checked by content and size and confined to the
// prompt folder with os.Root. Responses carry nosniff and no-store.
//
// The package reaches the rest of the box only through the small interfaces
// in api.go and livecalls.go, so it never touches SIP, RTP or a call's
// media directly (calls go through the call-control surface, package
// call), and it never reads or writes a file outside the data directory
// (recordings go through the recorder, confined to its folder). Control
// leases are kept in memory; no request ever waits longer than 10 minutes
// for a command, and none outlives Close. Config changes go
// through the store, which validates them with config.Validate (the one
// validator), so the API never stores what an import would refuse.
package admin
