// Package trace keeps the SIP messages and RTP figures of the box's recent
// calls for the admin API's per-call trace: every SIP message in and out
// of a call's dialog (time, direction, addresses, text), from the INVITE
// that started it, and what its RTP stream counted (packets, loss,
// jitter, codec, who sent first).
//
// The store takes raw messages from the SIP transport (sipgo's tracer
// hook: Read and Write) and call events from the bus (Hook), and keeps at
// most a fixed number of calls and of messages per call, so its memory is
// bounded whatever the traffic. Messages outside a call (REGISTER,
// OPTIONS) are counted but not kept.
package trace
