package record

import (
	"fmt"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// benchClock is a Clock for benchmarks: the writers' tickers tick when
// the benchmark says. A send returns once the writer took it, so the
// writer has finished the previous drain.
type benchClock struct{ ticks []chan time.Time }

func (c *benchClock) Now() time.Time { return testDate }

func (c *benchClock) NewTicker(time.Duration) (<-chan time.Time, func()) {
	ch := make(chan time.Time)
	c.ticks = append(c.ticks, ch)
	return ch, func() {}
}

func (c *benchClock) tick() {
	for _, ch := range c.ticks {
		ch <- testDate
	}
}

// toneFrames returns a second of test frames to feed round and round.
func toneFrames() []stream.Frame {
	fs := make([]stream.Frame, framesPerSecond)
	for i := range fs {
		fs[i] = *toneFrame(uint64(i))
	}
	return fs
}

// BenchmarkShardWriteFrame is the shard's side of a recording: one
// Tap.WriteFrame a frame (the ring is emptied every 5 frames, as a writer
// would, and that Read is counted too).
func BenchmarkShardWriteFrame(b *testing.B) {
	tap := stream.NewTap(ringFrames(DefaultDrainEvery))
	frames := toneFrames()
	dst := make([]stream.Frame, readChunk)
	b.ReportAllocs()
	b.SetBytes(2 * frameSamples)
	var i uint64
	for b.Loop() {
		f := &frames[i%uint64(framesPerSecond)]
		f.Index = i
		tap.WriteFrame(f)
		if i++; i%5 == 0 {
			tap.Read(dst)
		}
	}
}

// BenchmarkWriterFrame is a writer's cost for one frame of one recording:
// reading it from the tap, gap check, G.711 decoding, mixing or
// interleaving, buffering and (every second of audio) writing to a real
// file and rewriting the header.
func BenchmarkWriterFrame(b *testing.B) {
	for _, format := range []Format{Mixed, Stereo, Split, In} {
		b.Run(format.String(), func(b *testing.B) {
			r, err := New(Options{Dir: b.TempDir(), Clock: &benchClock{}, Writers: 1})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			src := &fakeStream{}
			rec, err := r.Start(src, Spec{Format: format, CallID: "c1", Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			tap, w := src.sinks[0], r.writers[0]
			frames := toneFrames()
			b.ReportAllocs()
			b.SetBytes(int64(2 * frameSamples * len(rec.tracks) * rec.tracks[0].channels))
			var i uint64
			cpu0 := cpuTime()
			for b.Loop() {
				f := &frames[i%uint64(framesPerSecond)]
				f.Index = i
				tap.WriteFrame(f)
				if i++; i%5 == 0 {
					w.drain("") // the writer goroutine is idle: its clock never ticks
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/frame")
			if res := rec.Stop(""); res.Err != nil || res.Dropped != 0 {
				b.Fatalf("%+v", res)
			}
		})
	}
}

// BenchmarkConcurrent records 1500 calls at once, each fed 50 frames a
// second, for 5 s of simulated time (a drain every 100 ms), and reports
// the bytes written and the CPU used per recording (cpu-%/rec: of one core,
// while recording in real time), and the wall time the 5 s took (run-s:
// under 5 means the writers keep up). The CPU includes the feeding (the
// shards' Tap.WriteFrame), Start and the final Close, whose fsyncs take
// most of the wall time of an iteration.
func BenchmarkConcurrent(b *testing.B) {
	const calls, seconds = 1500, 5
	for _, format := range []Format{Mixed, Stereo} {
		b.Run(fmt.Sprintf("%s-%d", format, calls), func(b *testing.B) {
			frames := toneFrames()
			var bytes int64
			var cpu, run time.Duration
			for b.Loop() {
				clk := &benchClock{}
				r, err := New(Options{Dir: b.TempDir(), Clock: clk})
				if err != nil {
					b.Fatal(err)
				}
				cpu0 := cpuTime()
				recs := make([]*Recording, calls)
				taps := make([]stream.Sink, calls)
				for i := range recs {
					src := &fakeStream{}
					if recs[i], err = r.Start(src, Spec{Format: format, CallID: fmt.Sprint("call", i), Name: "bench"}); err != nil {
						b.Fatal(err)
					}
					taps[i] = src.sinks[0]
				}
				t0 := time.Now()
				for step := range uint64(seconds * 10) {
					for _, tap := range taps {
						for k := range uint64(5) {
							f := &frames[(step*5+k)%uint64(framesPerSecond)]
							f.Index = step*5 + k
							tap.WriteFrame(f)
						}
					}
					clk.tick()
				}
				run += time.Since(t0)
				r.Close()
				for _, rec := range recs {
					if res := rec.Result(); res.Dropped != 0 || res.Duration != seconds*time.Second || res.Err != nil {
						b.Fatalf("%+v", res)
					}
				}
				cpu += cpuTime() - cpu0
				bytes += r.Usage()
			}
			n := float64(b.N * calls)
			b.ReportMetric(float64(bytes)/n, "B/rec")
			b.ReportMetric(float64(cpu.Milliseconds())/n, "cpu-ms/rec")
			b.ReportMetric(100*cpu.Seconds()/n/seconds, "cpu-%/rec")
			b.ReportMetric(run.Seconds()/float64(b.N), "run-s")
		})
	}
}
