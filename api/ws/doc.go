// Package ws is the box's WebSocket ivrapi: the Era platform's WebSocket
// Token API with its "ivrapi" capability (docs/API-WS.md). An application
// connects to GET /ws with a token, subscribes to event classes (ivrevents,
// callevents), takes calls that an IVR's API-control step offers
// (ivrapi_accept, ivrapi_reaccept), runs components on them
// (ivrapi_component_apply: hang up, transfer, play, record, collect digits)
// and hands them back (ivrapi_abort). Files the components make or play are
// handled by package files.
//
// The adapter stands on the call-control surface (firmware/call): it never
// touches SIP or RTP. Events reach each connection through its own bounded
// send queue, so a slow client holds up no call and no other client.
package ws
