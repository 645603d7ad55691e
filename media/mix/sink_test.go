package mix

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// listenTap reads what tap holds, checks every frame's shape and index
// (consecutive from *next), and returns the audio decoded.
func listenTap(t *testing.T, tap *stream.Tap, next *uint64) []int16 {
	t.Helper()
	frames := make([]stream.Frame, 64)
	var out []int16
	var pcm [stream.FrameSamples]int16
	for {
		n := tap.Read(frames)
		if n == 0 {
			return out
		}
		for _, f := range frames[:n] {
			if f.Codec != stream.PCMU || !f.HasIn || f.HasOut {
				t.Fatalf("frame %d: codec %v, HasIn %v, HasOut %v; want PCMU, true, false", f.Index, f.Codec, f.HasIn, f.HasOut)
			}
			if f.Index != *next {
				t.Fatalf("frame index %d, want %d", f.Index, *next)
			}
			for i, b := range f.Out {
				if b != stream.PCMU.Silence() {
					t.Fatalf("frame %d: Out[%d] = %#x, want µ-law silence", f.Index, i, b)
				}
			}
			*next++
			f.InPCM(pcm[:])
			out = append(out, pcm[:]...)
		}
	}
}

// TestSinkHearsRoom: a sink hears the whole room: both members' tones and
// what the room plays, not a muted member; it gets nothing once removed.
func TestSinkHearsRoom(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	a := newPeer(r, stream.PCMA, sine(fA, 0.2))
	b := newPeer(r, stream.PCMU, sine(fB, 0.2))
	c := newPeer(r, stream.PCMU, sine(fP, 0.2))
	c.m.SetMuted(true)
	frames(e, 3, a, b, c) // ticks before the sink: Index counts the room's ticks
	tap := stream.NewTap(128)
	if err := r.AddSink(tap); err != nil {
		t.Fatal(err)
	}
	if err := r.AddSink(tap); err != nil || r.Sinks() != 1 {
		t.Fatalf("AddSink twice: %v, %d sinks; want nil, 1", err, r.Sinks())
	}
	next := uint64(3)
	frames(e, 50, a, b, c)
	heard := listenTap(t, tap, &next)
	if len(heard) != 50*stream.FrameSamples {
		t.Fatalf("the sink heard %d samples, want 50 frames", len(heard))
	}
	hears(t, "sink", heard[10*stream.FrameSamples:], fA, 0.35)
	hears(t, "sink", heard[10*stream.FrameSamples:], fB, 0.35)
	hearsNot(t, "sink (C muted)", heard, fP)

	r.Play(sine(fP, 0.3)[:8000])
	frames(e, 20, a, b, c)
	hears(t, "sink, playing", listenTap(t, tap, &next)[5*stream.FrameSamples:], fP, 0.3)

	r.RemoveSink(tap)
	r.RemoveSink(tap) // again: nothing
	frames(e, 5, a, b, c)
	if tap.Len() != 0 || r.Sinks() != 0 {
		t.Errorf("after RemoveSink: %d frames, %d sinks", tap.Len(), r.Sinks())
	}
}

// TestSinkSilentRoom: a room with nobody talking hands its sinks silence,
// every tick (a recording keeps time).
func TestSinkSilentRoom(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	tap := stream.NewTap(16)
	if err := r.AddSink(tap); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		e.Tick()
	}
	var next uint64
	heard := listenTap(t, tap, &next)
	if len(heard) != 10*stream.FrameSamples {
		t.Fatalf("%d samples, want 10 frames", len(heard))
	}
	silent(t, "sink of an empty room", heard)
}

// TestSinkLoud: the sink's mix saturates like the members'.
func TestSinkLoud(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	a := newPeer(r, stream.PCMU, sine(fA, 1))
	b := newPeer(r, stream.PCMU, sine(fA, 1))
	tap := stream.NewTap(64)
	_ = r.AddSink(tap)
	frames(e, 20, a, b)
	var next uint64
	heard := listenTap(t, tap, &next)
	said := sine(fA, 1)
	for i, s := range heard {
		in := said[i%len(said)]
		if (in > 2000 && s < 0) || (in < -2000 && s > 0) {
			t.Fatalf("sample %d: said %d twice, the sink heard %d: wrapped around", i, in, s)
		}
	}
}

// TestSinkErrors: a closed room refuses sinks and drops those it had; a
// nil sink and too many sinks are refused.
func TestSinkErrors(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	if err := r.AddSink(nil); err == nil {
		t.Error("AddSink(nil) succeeded")
	}
	for range MaxSinks {
		if err := r.AddSink(stream.NewTap(1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.AddSink(stream.NewTap(1)); !errors.Is(err, ErrTooManySinks) {
		t.Errorf("sink %d: %v, want ErrTooManySinks", MaxSinks+1, err)
	}
	r.Close()
	if r.Sinks() != 0 {
		t.Errorf("%d sinks after Close", r.Sinks())
	}
	if err := r.AddSink(stream.NewTap(1)); !errors.Is(err, ErrClosed) {
		t.Errorf("AddSink on a closed room: %v, want ErrClosed", err)
	}
	r.RemoveSink(stream.NewTap(1)) // harmless
}

// TestSinkAllocs: a tick with a sink attached allocates nothing.
func TestSinkAllocs(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	a := newPeer(r, stream.PCMU, sine(fA, 0.2))
	b := newPeer(r, stream.PCMA, sine(fB, 0.2))
	a.keep, b.keep = false, false
	tap := stream.NewTap(4)
	if err := r.AddSink(tap); err != nil {
		t.Fatal(err)
	}
	buf := make([]stream.Frame, 4)
	frames(e, 5, a, b)
	if n := testing.AllocsPerRun(200, func() {
		frames(e, 1, a, b)
		tap.Read(buf)
	}); n != 0 {
		t.Errorf("%v allocations per tick with a sink", n)
	}
}

// TestSinkConcurrent adds and removes sinks while the ticker mixes and
// members talk (run with -race); a removed sink gets no frame after
// RemoveSink returns.
func TestSinkConcurrent(t *testing.T) {
	e := New(Options{Tick: time.Millisecond})
	defer e.Close()
	r := e.NewRoom()
	var wg sync.WaitGroup
	for i := range 3 {
		p := newPeer(r, stream.PCMU, sine(fA+float64(100*i), 0.2))
		p.keep = false
		wg.Go(func() {
			for range 2000 {
				p.send()
				p.listen()
				runtime.Gosched()
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			buf := make([]stream.Frame, 8)
			for range 200 {
				tap := stream.NewTap(8)
				if err := r.AddSink(tap); err != nil {
					t.Error(err)
					return
				}
				for tap.Len() == 0 {
					runtime.Gosched()
				}
				r.RemoveSink(tap)
				tap.Read(buf)
				e.Tick() // alongside the ticker's
				if n := tap.Len(); n != 0 {
					t.Errorf("%d frames after RemoveSink", n)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := r.Sinks(); n != 0 {
		t.Errorf("%d sinks left", n)
	}
}
