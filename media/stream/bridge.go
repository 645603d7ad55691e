package stream

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/ivrbox/ivrbox/media/dtmf"
	"github.com/ivrbox/ivrbox/media/g711"
)

// Bridge tuning.
const (
	// pipeFrames is how much audio one direction of a link buffers; when
	// more arrives before the other stream sends it, the oldest is dropped,
	// so the delay a pipe adds never exceeds this many frames.
	pipeFrames = ringFrames
	// pipePrefill is how many frames must be buffered before the other
	// stream starts (or, after an underrun, resumes) sending them. The
	// frames come from the receiving stream's playout buffer, which has
	// already evened out network jitter, so one frame is enough to absorb
	// the phase difference of two shards' ticks.
	pipePrefill = 1
	pipeKeys    = 8   // in-band digits one direction queues; more are dropped
	toneMs      = 100 // length of a generated in-band digit
	toneGap     = 3   // frames of relayed audio after a generated digit
	toneLevel   = 0.2 // peak of each of a digit's two sines (about -11 dBm0)
)

// dtmfTones holds the linear PCM of every key's generated tone, in
// dtmf.Keys order; built on first use (by Bridge, not on the media path).
var dtmfTones = sync.OnceValue(func() (t [len(dtmf.Keys)][]int16) {
	for i := range t {
		t[i] = dtmf.Tone(dtmf.Keys[i], toneMs, toneLevel)
	}
	return t
})

// Link is a bridge between two streams made by Bridge: while it lasts,
// each stream sends the audio the other receives, and key presses heard on
// one are sent on the other. Its methods are safe for concurrent use.
type Link struct {
	ab, ba leg // a's audio and keys for b, and b's for a
	closed atomic.Bool
	once   sync.Once
}

// Bridge links a and b, for example a caller and the outside number the
// call is transferred to through a trunk. While linked:
//
//   - each stream sends the audio the other received, instead of its
//     playback or silence, transcoded between PCMU and PCMA when the codecs
//     differ. A few frames are buffered per direction; when the other leg
//     sends nothing, silence is sent; when it sends faster than this leg's
//     clock, the oldest audio is dropped. A playback in progress pauses and
//     resumes when the link ends.
//   - a key press heard on one stream (RFC 4733 or in-band) is reported by
//     that stream's OnDigit as usual and sent on the other stream: as RFC
//     4733 events if it negotiated telephone-event, else as a generated
//     in-band tone pair (100 ms). A key heard in-band is not generated again
//     on a stream without telephone-event: its tone is already in the
//     relayed audio.
//   - SendDigit still works on either stream.
//
// A link is made of the streams' taps: each direction is a Sink on the
// stream that receives (it takes the In side of the frames and the keys)
// and the Source of the other (see Stream.SetSource). A source set on a
// stream before is put back when the link ends, unless it was replaced
// meanwhile; other sinks (a recorder) keep working.
//
// Pacing stays with each stream's own shard, which may differ: the shards
// hand audio over through a small buffer whose lock is held only to copy a
// frame, so neither waits on the other's work. The audio a stream receives
// reaches the other's peer one to two frames (20 to 40 ms) later than a
// packet could at best go out: a frame in the receiving stream's playout
// buffer, and up to a frame in the hand-over while the other shard's tick
// comes round (none when the receiving shard ticks first). Both buffers
// drop the oldest audio beyond six frames, should the legs' pacing drift.
//
// Closing the link or either stream ends the bridge. The error wraps
// ErrClosed if a stream is closed, ErrLinked if one is already bridged,
// and ErrTooManySinks if one has no room for another sink.
func Bridge(a, b *Stream) (*Link, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("stream: bridge: %w: nil stream", ErrClosed)
	}
	if a == b {
		return nil, fmt.Errorf("stream: bridge: %w", errSelfLink)
	}
	dtmfTones() // build the tone table here, not on a shard
	l := &Link{}
	l.ab = leg{link: l, from: a, to: b}
	l.ba = leg{link: l, from: b, to: a}
	for _, s := range [...]*Stream{a, b} {
		switch {
		case s.closed.Load():
			return nil, fmt.Errorf("stream: bridge: %w", ErrClosed)
		case isLeg(s.Source()):
			return nil, fmt.Errorf("stream: bridge: %w", ErrLinked)
		}
	}
	if err := l.ab.claim(); err != nil {
		return nil, fmt.Errorf("stream: bridge: %w", err)
	}
	if err := l.ba.claim(); err != nil {
		l.ab.release()
		return nil, fmt.Errorf("stream: bridge: %w", err)
	}
	err := a.AddSink(&l.ab)
	if err == nil {
		err = b.AddSink(&l.ba)
	}
	if err == nil && l.closed.Load() {
		err = ErrClosed // a stream closed while the link was being made
	}
	if err != nil {
		_ = l.Close()
		l.end() // again: a sink added after a stream's Close ended the link
		return nil, fmt.Errorf("stream: bridge: %w", err)
	}
	a.log.Debug("streams bridged", "peer_port", b.port)
	return l, nil
}

// Close ends the link: both streams go back to their previous source (or
// playback, or silence). It is idempotent, always returns nil, and
// returns once neither stream's shard relays through the link any more.
// Like Stream.RemoveSink, it must not be called from a Sink's or Source's
// own methods.
func (l *Link) Close() error {
	l.once.Do(func() {
		l.end()
		l.ab.from.log.Debug("bridge closed", "peer_port", l.ab.to.port)
	})
	return nil
}

// end detaches both directions; it is idempotent.
func (l *Link) end() {
	l.closed.Store(true)
	for _, g := range [...]*leg{&l.ab, &l.ba} {
		g.from.RemoveSink(g)
		g.release()
	}
}

// leg is one direction of a link: a Sink on the stream that receives
// (from) and the Source of the one that sends (to). WriteFrame and Key run
// on from's shard, ReadFrame on to's; the pipe is shared between them, and
// tone belongs to to's shard.
type leg struct {
	link     *Link
	from, to *Stream
	pipe     pipe
	tone     toneGen
	prev     Source // to's source before the link; set before the leg is published
}

var (
	_ Sink    = (*leg)(nil)
	_ KeySink = (*leg)(nil)
	_ Source  = (*leg)(nil)
)

func isLeg(src Source) bool {
	_, ok := src.(*leg)
	return ok
}

// claim makes the leg to's source, unless to is closed or bridged.
func (g *leg) claim() error {
	for {
		cur := g.to.source.Load()
		switch {
		case g.to.closed.Load():
			return ErrClosed
		case isLeg(cur.get()):
			return ErrLinked
		}
		g.prev = cur.get()
		if g.to.source.CompareAndSwap(cur, boxOf(g)) {
			return nil
		}
	}
}

// release puts to's previous source back if the leg is still its source,
// and waits until to's shard no longer reads the leg.
func (g *leg) release() {
	if !g.to.CompareAndSwapSource(g, g.prev) {
		g.to.waitTick() // replaced or closed: wait for a tick that read it
	}
}

// WriteFrame implements Sink: the audio from's peer sent goes into the
// pipe, for to to send.
func (g *leg) WriteFrame(f *Frame) {
	if f.HasIn {
		g.pipe.push(f.In[:], f.Codec)
	}
}

// ReadFrame implements Source: the next frame of the pipe, in to's codec,
// or of a generated digit if one is due. The pipe is read every frame, so
// the delay stays small.
func (g *leg) ReadFrame(dst []byte, c Codec) bool {
	relayed := g.pipe.pop(dst, c)
	return g.tone.next(dst, c, &g.pipe) || relayed
}

// Key implements KeySink: a key heard on from is sent on to, as RFC 4733
// if to has telephone-event, else as an in-band tone unless the key came
// in-band (and so is in the relayed audio already).
func (g *leg) Key(key byte, source string) {
	if g.link.closed.Load() {
		return
	}
	err := g.to.SendDigit(key, 0)
	switch {
	case err == nil:
	case errors.Is(err, ErrNoDTMF):
		if source != SourceInband && !g.pipe.pushKey(key) {
			g.from.log.Debug("bridge: in-band digit queue full; key dropped", "key", string(key))
		}
	default:
		g.from.log.Debug("bridge: key not passed on", "key", string(key), "err", err)
	}
}

// pipe carries one direction of a link from the receiving stream's shard to
// the sending stream's: received audio (in the receiver's codec) and keys
// to generate in-band. mu is held only to copy a frame or a key in or out.
type pipe struct {
	mu    sync.Mutex
	audio ring           // guarded by mu
	keys  [pipeKeys]byte // keys to generate; guarded by mu
	nkeys int            // guarded by mu
}

// push appends received audio in codec c, dropping the oldest audio if
// the ring is full. A codec change drops what was buffered.
func (p *pipe) push(b []byte, c Codec) {
	p.mu.Lock()
	p.audio.push(b, c)
	p.mu.Unlock()
}

// pop fills dst with the oldest buffered audio, transcoded to c, and
// reports whether it did: false while fewer than pipePrefill frames have
// been buffered since the start or the last underrun.
func (p *pipe) pop(dst []byte, c Codec) bool {
	p.mu.Lock()
	from, ok := p.audio.pop(dst, pipePrefill)
	p.mu.Unlock()
	if ok && from != c { // transcoded outside the lock
		if from == PCMU {
			g711.ULawToALaw(dst, dst)
		} else {
			g711.ALawToULaw(dst, dst)
		}
	}
	return ok
}

// pushKey queues a key to be generated in-band; false if the queue is full.
func (p *pipe) pushKey(key byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nkeys == len(p.keys) {
		return false
	}
	p.keys[p.nkeys] = key
	p.nkeys++
	return true
}

// popKey takes the oldest queued key.
func (p *pipe) popKey() (byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nkeys == 0 {
		return 0, false
	}
	key := p.keys[0]
	copy(p.keys[:], p.keys[1:p.nkeys])
	p.nkeys--
	return key, true
}

// toneGen plays generated in-band digits into a leg's sent frames. It
// belongs to the sending stream's shard.
type toneGen struct {
	pcm []int16 // the tone being played (a dtmfTones entry); nil when idle
	off int     // samples of it played
	gap int     // frames to wait before the next tone
}

// next writes the next frame of a digit's tone into frame, starting the
// next key queued in keys if none is playing; false if none is due.
func (t *toneGen) next(frame []byte, c Codec, keys *pipe) bool {
	if t.pcm == nil {
		if t.gap > 0 {
			t.gap--
			return false
		}
		key, ok := keys.popKey()
		code, valid := dtmf.Code(key)
		if !ok || !valid {
			return false
		}
		t.pcm, t.off = dtmfTones()[code], 0
	}
	end := min(t.off+len(frame), len(t.pcm))
	n := c.encode(frame, t.pcm[t.off:end])
	for i := n; i < len(frame); i++ {
		frame[i] = c.silence()
	}
	t.off = end
	if t.off == len(t.pcm) {
		t.pcm, t.gap = nil, toneGap
	}
	return true
}
