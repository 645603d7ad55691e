package fork

// The skips in this file are about the host's network (IPv6 loopback, a
// listed loopback interface, Linux-only socket options), never about a
// missing tool, so CI=true does not turn them into failures: CI machines
// without IPv6 still run everything else.

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"testing"

	"github.com/ivrbox/ivrbox/media/stream"
)

// TestDirections: each target gets its own direction, as one continuous
// RTP stream with its own SSRC, and the payload type follows the codec.
func TestDirections(t *testing.T) {
	fk, clk := newTestForker(t, Options{})
	in, out := listen(t, "udp4", "127.0.0.1:0"), listen(t, "udp4", "127.0.0.1:0")
	src := &fakeStream{}
	f, err := fk.Start(src, Spec{In: in.addr, Out: out.addr, ID: "req-1", Call: "call-1"})
	if err != nil {
		t.Fatal(err)
	}
	const frames = 12
	for i := range frames {
		c := stream.PCMU
		if i >= frames/2 {
			c = stream.PCMA
		}
		src.write(frame(uint64(100+i), c, 0x11, 0x22))
		if i%3 == 2 {
			clk.tick(t)
		}
	}
	ins, outs := in.readN(frames), out.readN(frames)
	for name, ps := range map[string][]byte{"in": {0x11}, "out": {0x22}} {
		got := ins
		if name == "out" {
			got = outs
		}
		checkSeq(t, got, nil)
		for i, p := range got {
			if want := bytes.Repeat(ps, stream.FrameSamples); !bytes.Equal(p.Payload, want) {
				t.Errorf("%s packet %d: payload %x..., want %x...", name, i, p.Payload[:4], want[:4])
			}
			wantPT := uint8(stream.PCMU)
			if i >= frames/2 {
				wantPT = uint8(stream.PCMA)
			}
			if p.PayloadType != wantPT {
				t.Errorf("%s packet %d: PT %d, want %d", name, i, p.PayloadType, wantPT)
			}
			if p.Marker != (i == 0) {
				t.Errorf("%s packet %d: marker %v", name, i, p.Marker)
			}
			if p.Version != 2 {
				t.Errorf("%s packet %d: version %d", name, i, p.Version)
			}
		}
	}
	if ins[0].SSRC == outs[0].SSRC {
		t.Errorf("both directions have SSRC %08x", ins[0].SSRC)
	}
	if ins[0].Timestamp != outs[0].Timestamp {
		t.Errorf("the directions' timestamps differ: %d and %d", ins[0].Timestamp, outs[0].Timestamp)
	}
	st := f.Stats()
	want := Direction{Packets: frames, Bytes: frames * (12 + stream.FrameSamples)}
	if st.In != want || st.Out != want || st.Dropped != 0 {
		t.Errorf("stats %+v, want %+v each way", st, want)
	}
}

// TestSource: packets come from the forker's one socket.
func TestSource(t *testing.T) {
	fk, clk := newTestForker(t, Options{})
	a, b := listen(t, "udp4", "127.0.0.1:0"), listen(t, "udp4", "127.0.0.1:0")
	src1, src2 := &fakeStream{}, &fakeStream{}
	if _, err := fk.Start(src1, Spec{Out: a.addr}); err != nil {
		t.Fatal(err)
	}
	if _, err := fk.Start(src2, Spec{In: b.addr}); err != nil {
		t.Fatal(err)
	}
	src1.write(frame(0, stream.PCMU, 1, 2))
	src2.write(frame(0, stream.PCMU, 1, 2))
	clk.tick(t)
	_, from1 := a.read()
	_, from2 := b.read()
	if from1 != fk.Local() || from2 != fk.Local() {
		t.Errorf("sources %v and %v, want %v", from1, from2, fk.Local())
	}
}

// TestOneDirection: a zero target sends nothing.
func TestOneDirection(t *testing.T) {
	fk, clk := newTestForker(t, Options{})
	out := listen(t, "udp4", "127.0.0.1:0")
	src := &fakeStream{}
	f, err := fk.Start(src, Spec{Out: out.addr})
	if err != nil {
		t.Fatal(err)
	}
	src.write(frame(0, stream.PCMU, 0x11, 0x22))
	clk.tick(t)
	if p, _ := out.read(); p.Payload[0] != 0x22 {
		t.Errorf("payload %x, want the Out side", p.Payload[0])
	}
	if st := f.Stats(); st.In != (Direction{}) || st.Out.Packets != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestGap: a gap in the frame index advances the timestamp by the gap and
// sets the marker; the sequence number stays continuous.
func TestGap(t *testing.T) {
	fk, clk := newTestForker(t, Options{})
	in := listen(t, "udp4", "127.0.0.1:0")
	src := &fakeStream{}
	if _, err := fk.Start(src, Spec{In: in.addr}); err != nil {
		t.Fatal(err)
	}
	idx := []uint64{7, 8, 9, 12, 13, 13, 14}
	for _, i := range idx {
		src.write(frame(i, stream.PCMU, 1, 2))
	}
	clk.tick(t)
	ps := in.readN(len(idx))
	checkSeq(t, ps, []int{1, 1, 3, 1, 1, 1})
	for i, p := range ps {
		want := i == 0 || i == 3 || i == 5
		if p.Marker != want {
			t.Errorf("packet %d (index %d): marker %v, want %v", i, idx[i], p.Marker, want)
		}
	}
}

// TestSilence: a direction without audio sends the codec's silence, so the
// target's stream stays continuous.
func TestSilence(t *testing.T) {
	fk, clk := newTestForker(t, Options{})
	in, out := listen(t, "udp4", "127.0.0.1:0"), listen(t, "udp4", "127.0.0.1:0")
	src := &fakeStream{}
	if _, err := fk.Start(src, Spec{In: in.addr, Out: out.addr}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []stream.Codec{stream.PCMU, stream.PCMA} {
		fr := frame(uint64(i), c, 0x33, 0x44)
		fr.HasIn, fr.HasOut = false, false
		src.write(fr)
	}
	clk.tick(t)
	for _, l := range []*listener{in, out} {
		ps := l.readN(2)
		checkSeq(t, ps, nil)
		for i, c := range []stream.Codec{stream.PCMU, stream.PCMA} {
			if want := bytes.Repeat([]byte{c.Silence()}, stream.FrameSamples); !bytes.Equal(ps[i].Payload, want) {
				t.Errorf("%v: payload %x..., want silence %x", c, ps[i].Payload[:4], c.Silence())
			}
		}
	}
}

// TestClosedPort: a target nobody listens on (ICMP port unreachable) does
// not stop its fork or disturb another.
func TestClosedPort(t *testing.T) {
	fk, clk := newTestForker(t, Options{})
	good := listen(t, "udp4", "127.0.0.1:0")
	bad, ok := &fakeStream{}, &fakeStream{}
	fb, err := fk.Start(bad, Spec{In: closedPort(t), Out: closedPort(t)})
	if err != nil {
		t.Fatal(err)
	}
	fg, err := fk.Start(ok, Spec{In: good.addr})
	if err != nil {
		t.Fatal(err)
	}
	const frames = 20
	for i := range frames {
		bad.write(frame(uint64(i), stream.PCMU, 1, 2))
		ok.write(frame(uint64(i), stream.PCMU, 1, 2))
		clk.tick(t)
	}
	checkSeq(t, good.readN(frames), nil)
	select {
	case <-fb.Done():
		t.Fatal("the fork to a closed port stopped")
	default:
	}
	sb, sg := fb.Stats(), fg.Stats()
	if got := sb.In.Packets + sb.In.Errors; got != frames {
		t.Errorf("closed port: %d packets sent or counted as errors, want %d", got, frames)
	}
	if sg.In != (Direction{Packets: frames, Bytes: frames * maxPacket}) {
		t.Errorf("good fork: %+v", sg.In)
	}
}

// TestSendErrors: sends that fail are counted, never stop the fork, and
// the other direction goes on. Without Options.Broadcast the socket
// refuses broadcast addresses, limited or directed.
func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		local     string
		to        string
		broadcast bool
	}{
		{"limited broadcast", "0.0.0.0:0", "255.255.255.255:9", false},
		{"directed broadcast", "127.0.0.1:0", "127.255.255.255:9", false},
		{"directed broadcast allowed", "127.0.0.1:0", "127.255.255.255:9", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS != "linux" && !tt.broadcast {
				t.Skip("the socket keeps SO_BROADCAST off on Linux only")
			}
			fk, clk := newTestForker(t, Options{Local: netip.MustParseAddrPort(tt.local), Broadcast: tt.broadcast})
			good := listen(t, "udp4", "127.0.0.1:0")
			src := &fakeStream{}
			f, err := fk.Start(src, Spec{In: good.addr, Out: netip.MustParseAddrPort(tt.to)})
			if err != nil {
				t.Fatal(err)
			}
			const frames = 10
			for i := range frames {
				src.write(frame(uint64(i), stream.PCMU, 1, 2))
			}
			clk.tick(t)
			checkSeq(t, good.readN(frames), nil)
			st := f.Stats()
			switch {
			case tt.broadcast && (st.Out.Packets != frames || st.Out.Errors != 0):
				t.Errorf("out: %+v, want %d sent", st.Out, frames)
			case !tt.broadcast && (st.Out.Errors != frames || st.Out.Packets != 0):
				t.Errorf("out: %+v, want %d errors", st.Out, frames)
			}
			if st.In.Packets != frames || st.In.Errors != 0 {
				t.Errorf("in: %+v", st.In)
			}
			select {
			case <-f.Done():
				t.Error("send errors stopped the fork")
			default:
			}
		})
	}
}

// TestDropped: frames the tap could not hold are counted, and the packet
// after the gap carries the marker and the timestamp jump.
func TestDropped(t *testing.T) {
	fk, clk := newTestForker(t, Options{Ring: 4})
	in := listen(t, "udp4", "127.0.0.1:0")
	src := &fakeStream{}
	f, err := fk.Start(src, Spec{In: in.addr})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		src.write(frame(uint64(i), stream.PCMU, 1, 2))
	}
	clk.tick(t)
	src.write(frame(6, stream.PCMU, 1, 2))
	clk.tick(t)
	ps := in.readN(5)
	checkSeq(t, ps, []int{1, 1, 1, 3})
	if !ps[4].Marker {
		t.Error("no marker after the gap")
	}
	if st := f.Stats(); st.Dropped != 2 || st.In.Packets != 5 {
		t.Errorf("stats %+v, want 2 dropped, 5 sent", st)
	}
}

// TestRealClock: with the real clock the forker ticks by itself.
func TestRealClock(t *testing.T) {
	fk, err := New(Options{Local: netip.MustParseAddrPort("127.0.0.1:0")})
	if err != nil {
		t.Fatal(err)
	}
	defer fk.Close()
	in := listen(t, "udp4", "127.0.0.1:0")
	src := &fakeStream{}
	if _, err := fk.Start(src, Spec{In: in.addr}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		src.write(frame(uint64(i), stream.PCMU, 1, 2))
	}
	checkSeq(t, in.readN(3), nil)
}

// TestDualStack: a socket on any address reaches IPv4 and IPv6 targets.
func TestDualStack(t *testing.T) {
	fk, clk := startForker(t, Options{})
	if !fk.Local().Addr().Is6() {
		t.Skip("no IPv6 on this system")
	}
	l6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	t.Cleanup(func() { _ = l6.Close() })
	v6 := &listener{t: t, c: l6, addr: l6.LocalAddr().(*net.UDPAddr).AddrPort()}
	v4 := listen(t, "udp4", "127.0.0.1:0")
	src := &fakeStream{}
	if _, err := fk.Start(src, Spec{In: v4.addr, Out: v6.addr}); err != nil {
		t.Fatal(err)
	}
	src.write(frame(0, stream.PCMU, 1, 2))
	clk.tick(t)
	if p, _ := v4.read(); p.Payload[0] != 1 {
		t.Errorf("IPv4 target got %x", p.Payload[0])
	}
	if p, _ := v6.read(); p.Payload[0] != 2 {
		t.Errorf("IPv6 target got %x", p.Payload[0])
	}
}

// TestV6Only: an IPv6-only socket refuses IPv4 targets at Start.
func TestV6Only(t *testing.T) {
	c := newFakeClock()
	fk, err := New(Options{Local: netip.MustParseAddrPort("[::1]:0"), Clock: c})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer fk.Close()
	if _, err := fk.Start(&fakeStream{}, Spec{In: netip.MustParseAddrPort("127.0.0.1:4000")}); !errors.Is(err, ErrTarget) {
		t.Errorf("IPv4 target from [::1]: %v, want ErrTarget", err)
	}
}

// TestOptions: invalid options are refused.
func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{MaxForks: -1},
		{Ring: -2},
		{Local: netip.MustParseAddrPort("[fe80::1%lo]:0")},
	} {
		if fk, err := New(o); !errors.Is(err, ErrOptions) {
			t.Errorf("New(%+v): %v, want ErrOptions", o, err)
			if fk != nil {
				_ = fk.Close()
			}
		}
	}
}
