// Package pbx is the PBX API of ivrbox, in the style of the Yeastar S-Series
// API v1.1.0 that the PBX seed uses: an application server on the LAN logs in
// with the API user and the MD5 of its password, gets a token, places calls
// through an IVR (ivr/dial_outbound), moves calls to other IVRs or numbers
// (outbound/transfer_number, inbound/transfer_number, calltransfer), hangs
// them up and lists them; and it receives every step of its calls (ALERT,
// ANSWERED, DTMF digits and strings, the IVR user events, CallFailed,
// BYE/HANGUP, Tranfer) as JSON POSTs to its app URL.
//
// Requests are served by Handler under Prefix (/api/v1.1.0/): POST, a JSON
// object body of at most MaxBody bytes, the token as the "token" query
// parameter. The box mounts Handler at Root (/api/), so other versions and
// unknown paths answer in the same JSON (ErrnoUnsupported). Every answer is HTTP 200 with {"status":"Success",...} or
// {"status":"Failed","errno":"<code>"}; the codes are the Errno constants,
// Yeastar's where Yeastar has one. docs/API-PBX.md documents every endpoint,
// code and event.
//
// Events come from the box's event bus through Hook, which the box registers
// with bus.Hook. Each event carries its call's snapshot (event.Call:
// direction, numbers, trunk, leg id, IVR, answered, bridged party), so Hook
// keeps no state of its own: it translates the event into the seed's JSON
// shape and queues it in the outbox (Enqueuer), which stores it within its
// commit window and delivers it in the background (docs/EVENTS.md). Hook
// never touches the disk or the network.
//
// The package reaches calls only through the Calls interface, which the
// call manager implements: it never touches SIP or RTP, and maps the call
// core's error codes (call.CodeOf) to its errnos without repeating the
// core's checks.
//
// Tokens live in memory only: a restart of the box logs every application
// server out. Five failed logins from one address within LoginFailWindow block
// that address for LoginBlock.
package pbx
