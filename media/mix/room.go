package mix

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ivrbox/ivrbox/media/stream"
)

// Room is a set of members who hear each other (Engine.NewRoom). Its
// methods are safe for concurrent use.
type Room struct {
	e       *Engine
	members atomic.Pointer[[]*Member] // copy-on-write; nil when empty
	mu      sync.Mutex                // serialises changes to members and closed
	closed  atomic.Bool
	play    player
	sinks   atomic.Pointer[[]stream.Sink] // copy-on-write; nil when none (AddSink)

	// Used by the tick only.
	sum       sumFrame
	common    pcmFrame // what a member that contributes nothing hears
	hasCommon bool     // common is set this tick
	enc       [2]bool  // common.enc holds PCMU (0), PCMA (1) this tick
	encs      [2][frameSamples]byte
	ticks     uint64       // ticks mixed (the sinks' Frame.Index)
	tap       stream.Frame // the frame handed to the sinks
}

// newRoom returns an empty room of e.
func newRoom(e *Engine) *Room {
	r := &Room{e: e}
	for i := range r.tap.Out {
		r.tap.Out[i] = stream.PCMU.Silence()
	}
	return r
}

// Add makes a new member of the room. It hears the room and is heard in
// it from the next tick on, once its stream feeds it (AddSink) and reads
// it (SetSource). On a closed room it returns a member in no room, which
// hears only silence.
func (r *Room) Add() *Member {
	m := &Member{room: r, talkAt: r.e.talkEnergy}
	m.codec.Store(uint32(stream.PCMU))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		m.gone.Store(true)
		return m
	}
	old := r.list()
	next := append(append(make([]*Member, 0, len(old)+1), old...), m)
	r.members.Store(&next)
	return m
}

// Remove takes m out of the room: from the next tick on it is not heard
// and hears nothing new (a tick under way may still mix it once; ReadFrame
// then gives what is left in its ring, a frame or two, and then nothing).
// Removing a member that is not in the room does nothing. The caller
// restores the member's stream (RemoveSink, CompareAndSwapSource).
func (r *Room) Remove(m *Member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.list()
	i := slices.Index(old, m)
	if i < 0 {
		return
	}
	m.gone.Store(true)
	var next []*Member
	if len(old) > 1 {
		next = slices.Delete(slices.Clone(old), i, i+1)
	}
	r.setList(next)
}

// Members returns the number of members in the room.
func (r *Room) Members() int { return len(r.list()) }

// Close removes every member and takes the room off the engine's tick; it
// is idempotent. The members are detached as by Remove; the caller
// restores their streams.
func (r *Room) Close() {
	r.mu.Lock()
	if r.closed.Swap(true) {
		r.mu.Unlock()
		return
	}
	for _, m := range r.list() {
		m.gone.Store(true)
	}
	r.setList(nil)
	r.setSinks(nil)
	r.mu.Unlock()
	r.e.drop(r)
	r.StopPlay()
}

// Closed reports whether Close was called.
func (r *Room) Closed() bool { return r.closed.Load() }

// list returns the members: an immutable slice, nil if none.
func (r *Room) list() []*Member {
	if p := r.members.Load(); p != nil {
		return *p
	}
	return nil
}

// setList publishes a new member list; r.mu is held.
func (r *Room) setList(next []*Member) {
	if len(next) == 0 {
		r.members.Store(nil)
		return
	}
	r.members.Store(&next)
}

// mix runs one tick of the room: one frame from every member in, one out.
func (r *Room) mix(hangover int) {
	ms := r.list()
	r.play.next(&r.sum)
	for _, m := range ms {
		if m.take(hangover) {
			accumulate(&r.sum, &m.cur.pcm)
		}
	}
	r.enc, r.hasCommon = [2]bool{}, false
	for _, m := range ms {
		o := m.out.reserve()
		if o == nil {
			continue
		}
		c := stream.Codec(m.codec.Load())
		if m.heard {
			minus(&o.pcm, &r.sum, &m.cur.pcm)
			c.Encode(o.enc[:], o.pcm[:])
		} else {
			o.pcm = *r.commonPCM()
			o.enc = *r.commonEnc(c)
		}
		o.codec = c
		m.out.commit()
	}
	for _, m := range ms {
		m.done()
	}
	r.feed()
	r.ticks++
}

// commonPCM returns the common frame (the whole sum, saturated), clipping
// it once per tick.
func (r *Room) commonPCM() *pcmFrame {
	if !r.hasCommon {
		clip(&r.common, &r.sum)
		r.hasCommon = true
	}
	return &r.common
}

// commonEnc returns the common frame encoded in c, encoding it once per
// tick and codec.
func (r *Room) commonEnc(c stream.Codec) *[frameSamples]byte {
	r.commonPCM()
	i := 0
	if c == stream.PCMA {
		i = 1
	}
	if !r.enc[i] {
		c.Encode(r.encs[i][:], r.common[:])
		r.enc[i] = true
	}
	return &r.encs[i]
}
