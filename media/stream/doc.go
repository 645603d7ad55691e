// Package stream carries the RTP media of calls: one Stream per call, one
// UDP port pair per stream, G.711 audio at 20 ms packets, RFC 4733
// telephone-events in and out, and in-band DTMF detection.
//
// An Engine owns all streams and a fixed set of shard goroutines; there is
// no goroutine per stream. Every 20 ms each shard ticks: for each of its
// streams it sends exactly one packet: the next frame of what is playing
// (or of its Source), silence, or a telephone-event packet while a digit
// is being sent. Pacing follows the clock, not the ticks: a late tick
// sends the frames it missed (up to three), so the long-run rate is
// exactly 50 packets a second.
//
// Received packets are handled as they arrive. On Linux each shard owns an
// epoll instance on which its streams' RTP and RTCP sockets are registered
// (level-triggered) when they open, and unregistered before they close;
// between ticks the shard waits on it until a socket is readable or the
// next frame is due, and handles a readable stream's packet at once: a key
// press reaches OnDigit and the KeySinks without waiting for the tick
// (during a long tick, the shard looks at the poller every 64 streams). An
// idle socket costs no system call, and a packet one read. An eventfd in
// the same set wakes the shard when the engine closes. Where there is no
// poller (other systems, a build with the portablerecv tag, an Engine on
// an injected Clock as in tests) or a socket's registration fails, the
// tick drains every such socket with non-blocking reads before it sends.
// Either way a stream's packets, ticks and key reports happen on its
// shard's goroutine only.
//
// Received media is checked strictly: a source address is learned only from
// the SDP's address, the signalling's IP (Config.Signal, any port) or, with
// Config.LearnAny, anywhere, from two consecutive valid packets; its SSRC is
// then locked (learn.go); and from then on packets from any other
// address are counted and dropped, never decoded (strict RTP) — except from
// the remote address the SDP named, which takes the stream over with two
// consecutive packets of its own (a stray sender that got in first does not
// keep the call). Packets are
// sent to the learned address (symmetric RTP, for callers behind NAT), or
// to the remote address from SDP until one is learned.
//
// Taps let other parts of the box see and steer a stream's audio without
// the stream knowing who they are. Any number of Sinks (up to 16) attach
// with AddSink: while one is attached, every frame of the stream's clock
// (sent, or not sent: on hold, before a remote is known, while a
// telephone-event goes out) is handed to each as one Frame, the audio
// sent and the audio received side by side, the latter through a small
// playout buffer (two frames of prefill, six at most) that evens out the
// network. A KeySink also gets the keys the stream hears, as soon as they
// are heard. Tap is a Sink
// that rings frames over to one consumer goroutine (a recorder, a media
// fork) and drops, counting, what that consumer does not take in time.
// The sink list is copy-on-write, so the shard reads it without a lock;
// RemoveSink returns once no tick can call the sink any more.
//
// A Source set with SetSource replaces what the stream sends: its own
// playback pauses (and resumes when the source is removed) while the
// stream sends what the source gives, read once per frame of the clock;
// telephone-events sent with SendDigit still take precedence.
// CompareAndSwapSource lets an owner put back only what it set.
//
// Bridge links two streams (a caller and an outside leg, for a transfer)
// from these parts: each direction is a Sink on the stream that receives
// and the Source of the other, which sends the audio the first received,
// transcoded between PCMU and PCMA, and key presses heard on one are sent
// on the other (as events, or as generated tones). The streams' shards
// hand audio over through a small ring per direction whose lock is held
// only to copy a frame; each stream keeps its own pacing. A bridge adds
// one to two frames of delay (the playout buffer, and the wait for the
// other shard's tick). Other sinks, a recorder, keep working on a bridged
// stream.
//
// The per-packet path works in buffers allocated when a stream opens and
// must never allocate, block on disk, network or a lock held by slow work,
// or call user code while holding a lock other than the stream's own I/O
// lock (sinks and sources run with it held, which is how RemoveSink and
// SetSource know a tick is done with what they replaced). Nothing here
// knows about SIP or SDP: the call layer opens a stream and sets what the
// SDP negotiated.
package stream
