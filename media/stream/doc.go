// Package stream carries the RTP media of calls: one Stream per call, one
// UDP port pair per stream, G.711 audio at 20 ms packets, RFC 4733
// telephone-events in and out, and in-band DTMF detection.
//
// An Engine owns all streams and a fixed set of shard goroutines; there is
// no goroutine per stream. Every 20 ms each shard, for each of its streams,
// drains the packets that have arrived (non-blocking reads) and sends
// exactly one packet: the next frame of what is playing, silence, or a
// telephone-event packet while a digit is being sent. Pacing follows the
// clock, not the ticks: a late tick sends the frames it missed (up to three),
// so the long-run rate is exactly 50 packets a second.
//
// Received media is checked strictly: a source address is learned only from
// two consecutive valid packets, and from then on packets from any other
// address are counted and dropped, never decoded (strict RTP) — except from
// the remote address the SDP named, which takes the stream over with two
// consecutive packets of its own (a stray sender that got in first does not
// keep the call). Packets are
// sent to the learned address (symmetric RTP, for callers behind NAT), or
// to the remote address from SDP until one is learned.
//
// Bridge links two streams (a caller and an outside leg, for a transfer):
// each sends the audio the other received, transcoded between PCMU and
// PCMA, and key presses heard on one are sent on the other. The streams'
// shards hand audio over through a small ring per direction whose lock is
// held only to copy a frame; each stream keeps its own pacing.
//
// The per-packet path works in buffers allocated when a stream opens and
// must never allocate, block on disk, network or a lock held by slow work,
// or call user code while holding a lock. Nothing here knows about SIP or
// SDP: the call layer opens a stream and sets what the SDP negotiated.
package stream
