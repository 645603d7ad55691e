// Package call is the call-control surface of ivrbox: the one place where SIP
// signalling (firmware/sip), SDP (firmware/sdp), media (media/stream) and
// prompts (media/prompt) meet. Every client that steers a call — the IVR engine
// today, the API adapters and web UI later — does so through a *Call's methods
// (Answer, Ring, Play, ReadKey, Hangup) and watches it through the event bus.
//
// It must never block the media path: digits arrive from the RTP shards and SIP
// INFO through a non-blocking hand-off, and events are published from the
// package's own goroutines, never from a media shard.
package call
