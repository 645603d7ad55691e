package mix

import (
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// TestRemoveMidTick: a member removed while a tick runs is not heard in a
// room the tick has yet to mix, is heard once more in the room being
// mixed (the tick finishes with the list it loaded), and is gone from
// the next tick on; a room closed mid-tick gives its members nothing.
func TestRemoveMidTick(t *testing.T) {
	e := manual(t)
	first, second := e.NewRoom(), e.NewRoom()
	x := newPeer(first, stream.PCMU, nil)
	a := newPeer(second, stream.PCMU, sine(fA, 0.3))
	b := newPeer(second, stream.PCMU, sine(fB, 0.3))
	c := newPeer(second, stream.PCMU, nil)
	all := []*peer{x, a, b, c}
	frames(e, 10, all...)
	hears(t, "C", c.last(5), fA, 0.35)

	e.afterRoom = func(r *Room) {
		if r == first {
			second.Remove(a.m)
		}
	}
	frames(e, 1, all...)
	e.afterRoom = nil
	hearsNot(t, "C, the tick A left in", c.last(1), fA)
	hears(t, "C, the tick A left in", c.last(1), fB, 0.9)
	if n := second.Members(); n != 2 {
		t.Errorf("Members = %d after Remove, want 2", n)
	}
	second.Remove(a.m) // again: nothing

	e.afterRoom = func(r *Room) {
		if r == second {
			second.Remove(b.m) // second is mixed already
		}
	}
	frames(e, 1, all...)
	e.afterRoom = nil
	hears(t, "C, the tick B left after", c.last(1), fB, 0.9)
	frames(e, 5, all...)
	silent(t, "C, alone", c.last(5))
	for _, p := range []*peer{a, b} {
		if p.m.ReadFrame(p.buf[:], p.codec) {
			t.Error("a removed member still gets frames")
		}
	}

	e.afterRoom = func(r *Room) {
		if r == first {
			second.Close()
		}
	}
	frames(e, 1, all...)
	e.afterRoom = nil
	if c.listen() {
		t.Error("a member of a closed room got a frame")
	}
	if !second.Closed() || second.Members() != 0 || e.Rooms() != 1 {
		t.Errorf("after Close: closed %v, %d members, %d rooms", second.Closed(), second.Members(), e.Rooms())
	}
	second.Close() // idempotent
	late := second.Add()
	late.WriteFrame(&c.frame)
	e.Tick()
	if late.ReadFrame(c.buf[:], stream.PCMU) || second.Members() != 0 {
		t.Error("a member added to a closed room is mixed")
	}
	second.Play(sine(fP, 0.3))
	if second.Playing() {
		t.Error("a closed room plays")
	}
}

// TestStalledStream: a member whose stream stops sending contributes
// silence; when it resumes it is heard again.
func TestStalledStream(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	a := newPeer(r, stream.PCMU, sine(fA, 0.3))
	b := newPeer(r, stream.PCMU, sine(fB, 0.3))
	c := newPeer(r, stream.PCMU, nil)
	frames(e, 10, a, b, c)
	for range 20 { // a's shard stops calling WriteFrame
		b.send()
		e.Tick()
		a.listen()
		b.listen()
		c.listen()
	}
	silent(t, "B", b.last(20))
	hears(t, "C", c.last(20), fB, 0.9)
	hearsNot(t, "C", c.last(20), fA)
	if a.m.Talking() {
		t.Error("a stalled member is talking")
	}
	frames(e, 10, a, b, c)
	hears(t, "B", b.last(9), fA, 0.9)
}

// TestJitter: streams whose shard ticks burst (two frames, then none) are
// heard without a gap after the first underrun, in and out; a stream that
// runs ahead of the mixer for good has its delay bounded by shedding.
func TestJitter(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	a := newPeer(r, stream.PCMU, sine(fA, 0.3))
	c := newPeer(r, stream.PCMU, nil)
	for i := range 100 {
		if i%2 == 1 { // a's shard: two frames every other tick
			a.send()
			a.send()
		}
		c.send()
		e.Tick()
		a.listen()
		if i%2 == 0 { // c's shard: reads two every other tick
			c.listen()
			c.listen()
		}
	}
	heard := c.last(90)
	for k := range 90 {
		if l := rms(heard[k*stream.FrameSamples : (k+1)*stream.FrameSamples]); l < 1000 {
			t.Fatalf("frame %d of the last 90 is a gap (rms %.0f)", k, l)
		}
	}
	hears(t, "C", heard, fA, 0.9)

	for range 100 { // a runs ahead: two frames every tick
		a.send()
		a.send()
		c.send()
		e.Tick()
		c.listen()
	}
	if n := a.m.in.waiting(); n > ringFrames {
		t.Errorf("%d frames waiting", n)
	}
	if said, _ := a.m.Dropped(); said == 0 {
		t.Error("no frame dropped from a stream running ahead")
	}
	hears(t, "C", c.last(50), fA, 0.9)
}

// TestAllocs: a mixed frame allocates nothing: WriteFrame, Tick (with a
// clip playing, muted and silent members, both codecs) and ReadFrame.
func TestAllocs(t *testing.T) {
	e := manual(t)
	var peers []*peer
	for i := range 3 {
		r := e.NewRoom()
		r.Play(sine(fP, 0.3))
		for j := range 10 {
			var say []int16
			if j < 6 {
				say = sine(fA+float64(100*j), 0.1)
			}
			p := newPeer(r, []stream.Codec{stream.PCMU, stream.PCMA}[(i+j)%2], say)
			p.keep = false
			p.m.SetMuted(j == 3)
			peers = append(peers, p)
		}
	}
	frames(e, 5, peers...)
	if n := testing.AllocsPerRun(200, func() { frames(e, 1, peers...) }); n != 0 {
		t.Errorf("%v allocations per mixed frame", n)
	}
}

// TestConcurrent runs the engine's ticker with members' shards writing
// and reading, while members and rooms come and go, are muted and played
// into (run with -race).
func TestConcurrent(t *testing.T) {
	e := New(Options{Tick: time.Millisecond})
	defer e.Close()
	rooms := []*Room{e.NewRoom(), e.NewRoom(), e.NewRoom()}
	var wg sync.WaitGroup
	for i := range 12 {
		p := newPeer(rooms[i%3], []stream.Codec{stream.PCMU, stream.PCMA}[i%2], sine(fA, 0.3))
		p.keep = false
		wg.Go(func() { // a shard
			for range 3000 {
				p.send()
				p.listen()
				_ = p.m.Talking()
				runtime.Gosched()
			}
		})
	}
	wg.Go(func() { // the conference's control
		for i := range 300 {
			r := rooms[i%3]
			m := r.Add()
			m.SetMuted(i%2 == 0)
			r.Play(sine(fP, 0.3)[:320])
			_ = r.Playing()
			r.Remove(m)
			if i%50 == 0 {
				extra := e.NewRoom()
				extra.Add()
				extra.Close()
				r.StopPlay()
			}
			e.Tick() // alongside the ticker's
			runtime.Gosched()
		}
	})
	wg.Wait()
	if n := e.Rooms(); n != 3 {
		t.Errorf("%d rooms, want 3", n)
	}
	for _, r := range rooms {
		r.Close()
	}
}

// TestTicker: the engine's goroutine ticks every Options.Tick (50 times
// in a second of 20 ms), and Close stops it, idempotently.
func TestTicker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := New(Options{})
		r := e.NewRoom()
		a := newPeer(r, stream.PCMU, sine(fA, 0.3))
		b := newPeer(r, stream.PCMU, nil)
		for range 50 {
			a.send()
			time.Sleep(DefaultTick)
			synctest.Wait()
			b.listen()
		}
		if n := e.Ticks(); n != 50 {
			t.Errorf("%d ticks in a second, want 50", n)
		}
		hears(t, "B", b.last(40), fA, 0.9)
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { _ = e.Close() })
		}
		wg.Wait()
		n := e.Ticks()
		time.Sleep(time.Second)
		if e.Ticks() != n {
			t.Error("ticks after Close")
		}
	}) // synctest fails the test if the ticker goroutine outlives Close
}
