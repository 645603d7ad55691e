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
	// so the added delay never exceeds this many frames.
	pipeFrames = 6
	// pipePrefill is how many frames must be buffered before the other
	// stream starts (or, after an underrun, resumes) sending them; it
	// absorbs the phase difference of two shards' ticks.
	pipePrefill = 2
	pipeKeys    = 8   // in-band digits one direction queues; more are dropped
	toneMs      = 100 // length of a generated in-band digit
	toneGap     = 3   // frames of relayed audio after a generated digit
	toneLevel   = 0.2 // peak of each of a digit's two sines (about -11 dBm0)
)

// linkMu serializes making and ending links, so a stream is never put in
// two links and Stream.Close always finds the link it must end.
var linkMu sync.Mutex

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
	a, b   leg
	ab, ba pipe // a's received audio and keys for b, and b's for a
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
// Pacing stays with each stream's own shard, which may differ: the shards
// hand audio over through a small buffer whose lock is held only to copy a
// frame, so neither waits on the other's work. Closing the link or either
// stream ends the bridge. The error wraps ErrClosed if a stream is closed
// and ErrLinked if one is already bridged.
func Bridge(a, b *Stream) (*Link, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("stream: bridge: %w: nil stream", ErrClosed)
	}
	if a == b {
		return nil, fmt.Errorf("stream: bridge: %w", errSelfLink)
	}
	dtmfTones() // build the tone table here, not on a shard
	l := &Link{}
	l.a = leg{link: l, self: a, peer: b, in: &l.ab, out: &l.ba}
	l.b = leg{link: l, self: b, peer: a, in: &l.ba, out: &l.ab}
	linkMu.Lock()
	defer linkMu.Unlock()
	switch {
	case a.closed.Load() || b.closed.Load():
		return nil, fmt.Errorf("stream: bridge: %w", ErrClosed)
	case a.link != nil || b.link != nil:
		return nil, fmt.Errorf("stream: bridge: %w", ErrLinked)
	}
	a.setLink(&l.a)
	b.setLink(&l.b)
	a.log.Debug("streams bridged", "peer_port", b.port)
	return l, nil
}

// Close ends the link: both streams go back to their playback or silence.
// It is idempotent, always returns nil, and returns once neither stream's
// shard relays through the link any more.
func (l *Link) Close() error {
	l.once.Do(func() {
		l.closed.Store(true)
		linkMu.Lock()
		l.a.self.setLink(nil)
		l.b.self.setLink(nil)
		linkMu.Unlock()
		for _, s := range [...]*Stream{l.a.self, l.b.self} {
			s.io.Lock() // wait for a tick that took the link before it ended
			s.io.Unlock()
		}
		l.a.self.log.Debug("bridge closed", "peer_port", l.b.self.port)
	})
	return nil
}

// setLink sets the stream's leg; the caller holds linkMu.
func (s *Stream) setLink(g *leg) {
	s.mu.Lock()
	s.link = g
	s.mu.Unlock()
}

// unlink closes the stream's link, if any.
func (s *Stream) unlink() {
	linkMu.Lock()
	g := s.link
	linkMu.Unlock()
	if g != nil {
		_ = g.link.Close()
	}
}

// leg is one stream's side of a link. The pipes are shared with the other
// stream's shard; frame and tone belong to this stream's shard.
type leg struct {
	link  *Link
	self  *Stream
	peer  *Stream
	in    *pipe // what this stream receives, for the peer to send
	out   *pipe // what this stream sends: the peer's audio and keys
	frame [frameSamples]byte
	tone  toneGen
}

// take takes the next frame of relayed audio into g.frame, in codec c;
// false on underrun. It is called once per frame, sent or not (hold, a
// telephone-event), so the buffered delay stays small.
func (g *leg) take(c Codec) bool { return g.out.pop(g.frame[:], c) }

// fill writes the frame this stream sends while linked: a generated digit
// if one is due, else the relayed audio taken (relayed), else silence.
func (g *leg) fill(frame []byte, c Codec, relayed bool) {
	switch {
	case g.tone.next(frame, c, g.out):
	case relayed:
		copy(frame, g.frame[:])
	default:
		for i := range frame {
			frame[i] = c.silence()
		}
	}
}

// forward sends a key heard on this stream to the peer: as RFC 4733 if the
// peer has telephone-event, else as an in-band tone unless the key came
// in-band (and so is in the relayed audio already). It runs on this
// stream's shard after the tick, with no lock held.
func (g *leg) forward(key byte, source string) {
	if g.link.closed.Load() {
		return
	}
	err := g.peer.SendDigit(key, 0)
	switch {
	case err == nil:
	case errors.Is(err, ErrNoDTMF):
		if source != SourceInband && !g.in.pushKey(key) {
			g.self.log.Debug("bridge: in-band digit queue full; key dropped", "key", string(key))
		}
	default:
		g.self.log.Debug("bridge: key not passed on", "key", string(key), "err", err)
	}
}

// pipe carries one direction of a link from the receiving stream's shard to
// the sending stream's: received audio (in the receiver's codec) and keys
// to generate in-band. mu is held only to copy a frame or a key in or out.
type pipe struct {
	mu     sync.Mutex
	buf    [pipeFrames * frameSamples]byte // ring of audio; guarded by mu
	r, n   int                             // read offset, bytes buffered; guarded by mu
	codec  Codec                           // codec of buf; guarded by mu
	primed bool                            // playout running; guarded by mu
	keys   [pipeKeys]byte                  // keys to generate; guarded by mu
	nkeys  int                             // guarded by mu
}

// push appends received audio in codec c, dropping the oldest audio if
// the ring is full. A codec change drops what was buffered.
func (p *pipe) push(b []byte, c Codec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c != p.codec {
		p.r, p.n, p.primed, p.codec = 0, 0, false, c
	}
	if len(b) > len(p.buf) {
		b = b[len(b)-len(p.buf):]
	}
	if over := p.n + len(b) - len(p.buf); over > 0 {
		p.r = (p.r + over) % len(p.buf)
		p.n -= over
	}
	w := (p.r + p.n) % len(p.buf)
	k := copy(p.buf[w:], b)
	copy(p.buf[:], b[k:])
	p.n += len(b)
}

// pop fills dst with the oldest buffered audio, transcoded to c, and
// reports whether it did: false while fewer than pipePrefill frames have
// been buffered since the start or the last underrun.
func (p *pipe) pop(dst []byte, c Codec) bool {
	from, ok := p.popRaw(dst)
	if ok && from != c {
		if from == PCMU {
			g711.ULawToALaw(dst, dst)
		} else {
			g711.ALawToULaw(dst, dst)
		}
	}
	return ok
}

// popRaw is pop without the transcoding, which is done outside the lock.
func (p *pipe) popRaw(dst []byte) (Codec, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n >= pipePrefill*len(dst) {
		p.primed = true
	}
	if !p.primed || p.n < len(dst) {
		p.primed = false
		return p.codec, false
	}
	k := copy(dst, p.buf[p.r:])
	copy(dst[k:], p.buf[:])
	p.r = (p.r + len(dst)) % len(p.buf)
	p.n -= len(dst)
	return p.codec, true
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
