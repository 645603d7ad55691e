package fork

import (
	"net/netip"
	"testing"

	"github.com/ivrbox/ivrbox/media/stream"
)

// benchFork starts a fork with both directions to a loopback listener that
// is never read (the kernel drops what overflows it; sends still succeed).
func benchFork(b *testing.B, fk *Forker) (*Fork, *stream.Frame) {
	b.Helper()
	l := listen(b, "udp4", "127.0.0.1:0")
	f, err := fk.Start(&fakeStream{}, Spec{In: l.addr, Out: l.addr})
	if err != nil {
		b.Fatal(err)
	}
	return f, frame(0, stream.PCMU, 0x11, 0x22)
}

// BenchmarkFrame is the forker's cost of one frame of one fork: the tap
// write on the shard, then two RTP packets built and sent (one batch of
// two: the least a tick batches).
func BenchmarkFrame(b *testing.B) {
	fk, _ := newTestForker(b, Options{})
	f, fr := benchFork(b, fk)
	b.ReportAllocs()
	for b.Loop() {
		fr.Index++
		f.tap.WriteFrame(fr)
		fk.senders[0].serve(f, fk.clock.Now())
		fk.senders[0].flush()
	}
	if st := f.Stats(); st.In.Errors+st.Out.Errors > 0 {
		b.Fatalf("send errors: %+v", st)
	}
}

// BenchmarkTick is one tick at the default limit: 64 forks, one frame
// each, both directions (128 packets).
func BenchmarkTick(b *testing.B) { benchTick(b, DefaultMaxForks) }

// BenchmarkTick1000 is one tick of 1000 forks, both directions (2000
// packets, 100000 packets/s at 50 ticks/s), as the load generator runs
// them.
func BenchmarkTick1000(b *testing.B) { benchTick(b, 1000) }

// benchTick measures ticks of n forks with a frame each. It reports the
// time per packet too, and the CPU time per packet (of the process, every
// goroutine and the kernel's work for it: with a tick spread over
// senders, the time is shorter than the CPU time).
func benchTick(b *testing.B, n int) {
	fk, _ := newTestForker(b, Options{MaxForks: n})
	forks := make([]*Fork, n)
	var fr *stream.Frame
	for i := range forks {
		forks[i], fr = benchFork(b, fk)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		fr.Index++
		for _, f := range forks {
			f.tap.WriteFrame(fr)
		}
		fk.tick()
	}
	packets := float64(b.N * 2 * n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/packets, "ns/packet")
	if cpu > 0 {
		b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/packets, "cpu-ns/packet")
	}
	var st Stats
	for _, f := range forks {
		s := f.Stats()
		st.In.Packets += s.In.Packets
		st.In.Errors += s.In.Errors + s.Out.Errors
	}
	if st.In.Errors > 0 {
		b.Fatalf("%d send errors", st.In.Errors)
	}
}

// BenchmarkPacket is the CPU cost of one packet without the system call:
// header update and marshal into the reused buffer.
func BenchmarkPacket(b *testing.B) {
	var l leg
	l.init(netip.MustParseAddrPort("192.0.2.1:4000"), 0, 0)
	var buf [maxPacket]byte
	fr := frame(0, stream.PCMA, 1, 2)
	b.ReportAllocs()
	for b.Loop() {
		fr.Index++
		l.advance(fr.Index, fr.Codec)
		if _, err := l.marshal(buf[:], fr.In[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteFrame is what a fork costs the media shard per frame.
func BenchmarkWriteFrame(b *testing.B) {
	tap := stream.NewTap(DefaultRing)
	fr := frame(0, stream.PCMU, 1, 2)
	dst := make([]stream.Frame, 1)
	b.ReportAllocs()
	for b.Loop() {
		tap.WriteFrame(fr)
		tap.Read(dst)
	}
}
