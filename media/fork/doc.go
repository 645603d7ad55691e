// Package fork copies the audio of live calls to UDP targets as RTP: the
// media fork behind the cloud IVR API's monitor-call, where "a-rtp" names
// the target of the box's (IVR) side and "c-rtp" the caller's side.
//
// A Forker owns one unconnected UDP socket and one goroutine for every
// fork of the box. Start attaches a stream.Tap to a call's stream; every
// 20 ms the goroutine drains each fork's tap and sends one RTP packet per
// frame and direction: Frame.In (what the caller sent) to Spec.In and
// Frame.Out (what the box sent) to Spec.Out. Each target gets its own
// random SSRC, a sequence number that goes up by one per packet without
// gaps, and a timestamp that follows the stream's frame clock (160 per
// frame; frames the tap skipped advance it and set the marker bit). The
// two directions of a fork share their timestamps, so a receiver can line
// them up. No RTCP is sent.
// Silence is sent too, so a receiver sees one continuous stream. The
// payload type is the call's G.711 law (PCMU 0 or PCMA 8).
//
// Packets leave in batches of up to 64, one sendmmsg system call each on
// Linux. A tick of more than 128 forks is split between the goroutine and
// helper goroutines it starts and stops itself, one sender per 128 forks
// of Options.MaxForks, at most 4 in all and no more than GOMAXPROCS (for
// 1000 forks: 2 on a 2-core box, 4 on a Raspberry Pi 4); a forker of the
// default 64 forks has no helper. Every sender builds its packets in its
// own batch and sends them through the forker's one socket.
//
// Targets come from outside: ParseTarget (or Parser.Parse) accepts exactly
// udp://host:port, and Policy.Check decides which addresses a box may send
// audio to (never itself or loopback, never multicast or broadcast, unless
// allowed).
//
// What this package must never do:
//   - block or slow a media shard: the shard only copies a frame into the
//     tap's ring, or counts it as dropped when the forker is behind;
//   - disturb the call: send errors (a closed port, an unreachable host, a
//     full socket buffer) are counted in Stats and logged rarely, never
//     returned to the call, never stop a fork and never slow other forks;
//   - block the forker goroutine on the network: sends never wait for
//     socket buffer space (a full buffer drops the rest of the batch and
//     counts every packet of it);
//   - allocate per packet: packets are built in reused batch buffers;
//   - start a goroutine per fork.
package fork
