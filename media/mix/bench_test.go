package mix

import (
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// BenchmarkMix100x10 mixes 100 rooms of 10 members, every member talking
// (the worst case: everyone hears a different mix), half of them µ-law
// and half A-law. One op is one 20 ms frame of the whole engine: every
// member's WriteFrame (the shards' decoding), one Tick, and every member's
// ReadFrame. It reports ns per tick alone (tick-ns), and members per core:
// how many members one core could mix in real time, members × 20 ms / the
// op's time.
func BenchmarkMix100x10(b *testing.B) {
	benchMix(b, 100, 10, 10)
}

// BenchmarkMix100x10Few is BenchmarkMix100x10 with two talkers per room,
// the usual case: the eight listeners share one mix.
func BenchmarkMix100x10Few(b *testing.B) {
	benchMix(b, 100, 10, 2)
}

func benchMix(b *testing.B, rooms, size, talkers int) {
	e := New(Options{Manual: true})
	defer e.Close()
	type member struct {
		m      *Member
		codec  stream.Codec
		frames []stream.Frame // a second of what it says, encoded
	}
	var ms []member
	for i := range rooms {
		r := e.NewRoom()
		for j := range size {
			c := []stream.Codec{stream.PCMU, stream.PCMA}[(i+j)%2]
			p := member{m: r.Add(), codec: c, frames: make([]stream.Frame, 50)}
			say := sine(300+float64(100*j), 0.1)
			for k := range p.frames {
				f := &p.frames[k]
				f.Codec, f.HasIn = c, j < talkers
				c.Encode(f.In[:], say[k*stream.FrameSamples:])
			}
			ms = append(ms, p)
		}
	}
	var buf [stream.FrameSamples]byte
	var tick time.Duration
	k := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range ms {
			p.m.WriteFrame(&p.frames[k])
		}
		t0 := time.Now()
		e.Tick()
		tick += time.Since(t0)
		for _, p := range ms {
			p.m.ReadFrame(buf[:], p.codec)
		}
		k = (k + 1) % 50
	}
	op := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(tick.Nanoseconds())/float64(b.N), "tick-ns")
	b.ReportMetric(float64(len(ms))*float64(DefaultTick.Nanoseconds())/op, "members/core")
}
