// Package admin is the admin API of ivrbox: the JSON REST under /api/admin/
// that the web page uses and scripts reach with a token — first-run setup,
// login and sessions, API tokens, status, live calls, the event stream
// (Server-Sent Events), call records, the configuration (whole, per IVR,
// system, API access, backup and restore), prompts (upload, listen, delete),
// restart and factory reset, and the board's LEDs and buttons. The endpoints
// are documented in docs/API-ADMIN.md.
//
// Security: every endpoint but session, setup (first run only) and login
// needs the session cookie or a bearer token (package auth); every state
// change passes Go's http.CrossOriginProtection; logins are throttled per
// address; uploads are checked by content and size and confined to the
// prompt folder with os.Root. Responses carry nosniff and no-store.
//
// The package reaches the rest of the box only through the small interfaces
// in api.go, so it never touches SIP, RTP or a call directly, and it never
// reads or writes a file outside the data directory. Config changes go
// through the store, which validates them with config.Validate (the one
// validator), so the API never stores what an import would refuse.
package admin
