package stream

import (
	"sync/atomic"
)

// FrameSamples is the number of samples (and G.711 payload bytes) in one
// 20 ms frame at 8 kHz.
const FrameSamples = frameSamples

// Frame is one 20 ms frame of a stream's audio in both directions, as its
// shard saw it: what the peer sent (after a small playout buffer that
// evens out network jitter) and what the stream sent to the peer. A stream
// hands its sinks exactly one Frame per frame of its clock, whether or not
// anything was received or sent, so a sink sees a continuous timeline.
type Frame struct {
	// Index is the frame's number on the stream's clock. Consecutive frames
	// differ by one; a larger step means frames were skipped (the shard fell
	// behind) and the sink should fill the gap with silence.
	Index uint64
	// Codec is the codec of In and Out.
	Codec Codec
	// In is the audio received from the peer (the caller's side); silence
	// when HasIn is false.
	In [FrameSamples]byte
	// Out is the audio sent to the peer (the box's side); silence when
	// HasOut is false.
	Out [FrameSamples]byte
	// HasIn reports that In holds received audio; false means nothing had
	// arrived (or the playout buffer was refilling) and In is silence.
	HasIn bool
	// HasOut reports that Out holds audio that was sent; false means
	// nothing was sent this frame (hold, no peer address yet, or a
	// telephone-event packet in place of audio) and Out is silence.
	HasOut bool
}

// InPCM decodes In into dst (at least FrameSamples long) as linear PCM and
// returns the number of samples.
func (f *Frame) InPCM(dst []int16) int { return f.Codec.decode(dst, f.In[:]) }

// OutPCM decodes Out into dst (at least FrameSamples long) as linear PCM and
// returns the number of samples.
func (f *Frame) OutPCM(dst []int16) int { return f.Codec.decode(dst, f.Out[:]) }

// Sink takes a stream's frames. A stream calls WriteFrame on its shard
// goroutine, once per frame, with a Frame it reuses: the sink must copy
// what it keeps, return at once, never block, never allocate, and never
// take a lock that slow work holds. A Sink is attached to one stream at a
// time (Stream.AddSink). The stream waits for a call under way before
// RemoveSink, SetSource, CompareAndSwapSource, Close and Link.Close
// return, so a sink (or source) must not call those itself.
type Sink interface {
	WriteFrame(f *Frame)
}

// KeySink is implemented by a Sink that also wants the key presses its
// stream receives (RFC 4733 or in-band); Key runs on the shard as soon as
// the packet that completes the key is handled (on Linux, as it arrives;
// else on the next tick), with the same rules as WriteFrame. source is
// SourceRFC4733 or SourceInband.
type KeySink interface {
	Key(key byte, source string)
}

// Source supplies the audio a stream sends in place of its own playback
// (Stream.SetSource): the other leg of a bridge, a conference's mix. The
// stream calls ReadFrame on its shard goroutine once per frame (below),
// with dst FrameSamples long: the source fills it in codec c and reports
// whether it did (false: silence is sent). It must return at once, never
// block, never allocate, and never take a lock that slow work holds.
//
// A source is live: it is read once per frame of the stream's clock, also
// for a frame that is then not sent as audio (on hold, before a remote is
// known, while a telephone-event goes out), what it gave being dropped, so
// it never falls behind the clock. The stream's own playback, by
// contrast, pauses on those frames.
type Source interface {
	ReadFrame(dst []byte, c Codec) bool
}

// Tap is a Sink that keeps the frames it is given in a bounded ring for one
// consumer goroutine (a recorder, a media fork) to take with Read. The
// stream never waits for the consumer: when the ring is full the new frame
// is dropped and counted (Dropped). One stream writes and one goroutine
// reads; neither takes a lock.
type Tap struct {
	ring    []Frame
	w, r    atomic.Uint64 // frames written and read; w-r frames are waiting
	dropped atomic.Uint64
}

var _ Sink = (*Tap)(nil)

// NewTap returns a tap whose ring holds frames frames (at least 1).
func NewTap(frames int) *Tap {
	return &Tap{ring: make([]Frame, max(frames, 1))}
}

// WriteFrame implements Sink: it copies f into the ring, or counts it as
// dropped when the ring is full.
func (t *Tap) WriteFrame(f *Frame) {
	w := t.w.Load()
	if w-t.r.Load() >= uint64(len(t.ring)) {
		t.dropped.Add(1)
		return
	}
	t.ring[w%uint64(len(t.ring))] = *f
	t.w.Store(w + 1)
}

// Read copies up to len(dst) waiting frames into dst, oldest first, and
// returns how many. It never blocks; 0 means none is waiting.
func (t *Tap) Read(dst []Frame) int {
	r := t.r.Load()
	n := int(min(t.w.Load()-r, uint64(len(dst))))
	for i := range n {
		dst[i] = t.ring[(r+uint64(i))%uint64(len(t.ring))]
	}
	t.r.Store(r + uint64(n))
	return n
}

// Len returns the number of frames waiting to be read.
func (t *Tap) Len() int { return int(t.w.Load() - t.r.Load()) }

// Dropped returns the number of frames dropped because the ring was full.
func (t *Tap) Dropped() uint64 { return t.dropped.Load() }

// Silence returns the codec's silence byte.
func (c Codec) Silence() byte { return c.silence() }

// Decode decodes a payload in the codec into linear samples (dst at least
// len(src) long) and returns their number.
func (c Codec) Decode(dst []int16, src []byte) int { return c.decode(dst, src) }

// Encode encodes linear samples into a payload in the codec (dst at least
// len(src) long) and returns its length.
func (c Codec) Encode(dst []byte, src []int16) int { return c.encode(dst, src) }
