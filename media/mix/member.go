package mix

import (
	"sync/atomic"

	"github.com/ivrbox/ivrbox/media/stream"
)

// inFrame is one frame a member said, decoded.
type inFrame struct {
	pcm   pcmFrame
	voice bool // the stream received audio (Frame.HasIn); else pcm is not set
	loud  bool // its level is over the talking threshold
}

// outFrame is one frame a member hears: linear, and encoded in codec.
type outFrame struct {
	pcm   pcmFrame
	enc   [frameSamples]byte
	codec stream.Codec
}

// Member is one participant of a room (Room.Add). It is a stream.Sink
// (attach it to the member's stream with AddSink: what the member says)
// and a stream.Source (make it the stream's source with SetSource: what
// the member hears, the mix of the others). WriteFrame is meant for one
// stream's shard and ReadFrame for one stream's shard (the same stream,
// typically); each takes no lock and never allocates. The other methods
// are safe for concurrent use.
type Member struct {
	room  *Room
	in    ring[inFrame]  // written by WriteFrame, read by the tick
	out   ring[outFrame] // written by the tick, read by ReadFrame
	codec atomic.Uint32  // the codec ReadFrame last asked for
	muted atomic.Bool
	talk  atomic.Bool

	// Used by the tick only.
	cur   *inFrame // this tick's frame, peeked from in; nil if none
	heard bool     // cur is in the room's sum
	hang  int      // frames of hangover left while talking

	gone   atomic.Bool // removed from its room (or the room closed)
	talkAt int64       // energy of a frame over the talking threshold; set by Add
}

var (
	_ stream.Sink   = (*Member)(nil)
	_ stream.Source = (*Member)(nil)
)

// WriteFrame implements stream.Sink: it decodes what the member's peer
// sent (f.In, in f.Codec) into the member's input ring, or marks the frame
// as silence when nothing was received. When the ring is full (the mixer
// is not keeping up) the frame is dropped.
func (m *Member) WriteFrame(f *stream.Frame) {
	s := m.in.reserve()
	if s == nil {
		return
	}
	s.voice = f.HasIn
	s.loud = false
	if f.HasIn {
		f.Codec.Decode(s.pcm[:], f.In[:])
		s.loud = energy(s.pcm[:]) > m.talkAt
	}
	m.in.commit()
}

// ReadFrame implements stream.Source: it fills dst (FrameSamples bytes)
// with the next mixed frame for the member, encoded in c, and reports
// whether there was one (false: the stream sends silence). The mixer
// encodes in the codec last asked for, so a stream that keeps its codec
// gets its frame copied.
func (m *Member) ReadFrame(dst []byte, c stream.Codec) bool {
	m.codec.Store(uint32(c))
	o := m.out.peek()
	if o == nil {
		return false
	}
	if o.codec == c {
		copy(dst, o.enc[:])
	} else {
		c.Encode(dst, o.pcm[:])
	}
	m.out.release()
	return true
}

// SetMuted mutes or unmutes the member: a muted member hears the room but
// is not heard in it.
func (m *Member) SetMuted(muted bool) { m.muted.Store(muted) }

// Muted reports whether the member is muted.
func (m *Member) Muted() bool { return m.muted.Load() }

// Talking reports the member's voice activity: true from a frame whose
// level is over Options.TalkLevel until Options.Hangover has passed
// without one. It reflects what the member says, muted or not (a muted
// member who talks can be told so); it is false once the member's stream
// stops sending.
func (m *Member) Talking() bool { return m.talk.Load() && !m.gone.Load() }

// Room returns the room the member was added to.
func (m *Member) Room() *Room { return m.room }

// Dropped returns the frames lost to keep the delay short: frames said
// that the mixer did not take in time (the member's stream ran ahead of
// the mixer, or the ring was full), and mixed frames the member's stream
// did not read in time (for example before SetSource, or a stream running
// behind the mixer).
func (m *Member) Dropped() (said, heard uint64) {
	return m.in.dropped.Load(), m.out.dropped.Load()
}

// take peeks at the member's frame for this tick and updates its voice
// activity; it reports whether the frame goes into the room's sum.
func (m *Member) take(hangover int) bool {
	f := m.in.peek()
	m.cur, m.heard = f, false
	loud := f != nil && f.loud
	switch {
	case loud:
		m.hang = hangover
		if !m.talk.Load() {
			m.talk.Store(true)
		}
	case m.hang > 0:
		m.hang--
		if m.hang == 0 {
			m.talk.Store(false)
		}
	}
	m.heard = f != nil && f.voice && !m.muted.Load()
	return m.heard
}

// done releases this tick's input frame.
func (m *Member) done() {
	if m.cur != nil {
		m.in.release()
		m.cur = nil
	}
}
