package fork

import (
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/stream"
)

// wait is the generous timeout of tests that wait for something.
const wait = 5 * time.Second

// fakeClock is a Clock whose ticks the test sends by hand.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	ticks  chan time.Time
	ticked chan struct{} // the forker finished a tick (Options.afterTick)
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_700_000_000, 0), ticks: make(chan time.Time), ticked: make(chan struct{})}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(time.Duration) (<-chan time.Time, func()) { return c.ticks, func() {} }

// step advances the clock by d, delivers a tick and waits until the forker
// has served it.
func (c *fakeClock) step(t testing.TB, d time.Duration) {
	t.Helper()
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	c.mu.Unlock()
	select {
	case c.ticks <- now:
	case <-time.After(wait):
		t.Fatal("forker did not take the tick")
	}
	select {
	case <-c.ticked:
	case <-time.After(wait):
		t.Fatal("forker did not finish the tick")
	}
}

// tick steps one frame.
func (c *fakeClock) tick(t testing.TB) { c.step(t, frameDur) }

// newTestForker returns a forker on 127.0.0.1 (unless opts say otherwise)
// driven by a fake clock, closed when the test ends.
func newTestForker(t testing.TB, opts Options) (*Forker, *fakeClock) {
	t.Helper()
	if opts.Local == (netip.AddrPort{}) {
		opts.Local = netip.MustParseAddrPort("127.0.0.1:0")
	}
	return startForker(t, opts)
}

// startForker returns a forker with opts driven by a fake clock, closed
// when the test ends.
func startForker(t testing.TB, opts Options) (*Forker, *fakeClock) {
	t.Helper()
	c := newFakeClock()
	opts.Clock = c
	opts.afterTick = func() { c.ticked <- struct{}{} }
	fk, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fk.Close() })
	return fk, c
}

// fakeStream is an Attacher the test feeds frames through.
type fakeStream struct {
	mu      sync.Mutex
	sinks   []stream.Sink
	err     error // returned by AddSink
	removed int
}

var _ Attacher = (*fakeStream)(nil)

func (s *fakeStream) AddSink(k stream.Sink) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.sinks = append(s.sinks, k)
	return nil
}

func (s *fakeStream) RemoveSink(k stream.Sink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.sinks, k); i >= 0 {
		s.sinks = slices.Delete(s.sinks, i, i+1)
		s.removed++
	}
}

// attached returns the number of sinks attached.
func (s *fakeStream) attached() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sinks)
}

// write hands f to every attached sink, as a stream's shard does.
func (s *fakeStream) write(f *stream.Frame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.sinks {
		k.WriteFrame(f)
	}
}

// frame returns a frame whose In is filled with in and Out with out.
func frame(idx uint64, c stream.Codec, in, out byte) *stream.Frame {
	f := &stream.Frame{Index: idx, Codec: c, HasIn: true, HasOut: true}
	for i := range f.In {
		f.In[i], f.Out[i] = in, out
	}
	return f
}

// listener is a UDP socket on 127.0.0.1 that receives forked packets.
type listener struct {
	t    testing.TB
	c    *net.UDPConn
	addr netip.AddrPort
}

func listen(t testing.TB, network, addr string) *listener {
	t.Helper()
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &listener{t: t, c: c, addr: c.LocalAddr().(*net.UDPAddr).AddrPort()}
}

// read returns the next packet and its source, failing the test if none
// comes within wait.
func (l *listener) read() (*rtp.Packet, netip.AddrPort) {
	l.t.Helper()
	buf := make([]byte, 1500)
	if err := l.c.SetReadDeadline(time.Now().Add(wait)); err != nil {
		l.t.Fatal(err)
	}
	n, from, err := l.c.ReadFromUDPAddrPort(buf)
	if err != nil {
		l.t.Fatalf("no packet on %v: %v", l.addr, err)
	}
	p := &rtp.Packet{}
	if err := p.Unmarshal(buf[:n]); err != nil {
		l.t.Fatalf("not RTP: %v", err)
	}
	return p, from
}

// readN reads n packets.
func (l *listener) readN(n int) []*rtp.Packet {
	l.t.Helper()
	ps := make([]*rtp.Packet, n)
	for i := range ps {
		ps[i], _ = l.read()
	}
	return ps
}

// empty reports that no packet is waiting (a datagram sent to loopback
// before the check is already queued, so this needs no waiting).
func (l *listener) empty() bool {
	l.t.Helper()
	if err := l.c.SetReadDeadline(time.Now()); err != nil {
		l.t.Fatal(err)
	}
	_, _, err := l.c.ReadFromUDPAddrPort(make([]byte, 1500))
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t testing.TB) netip.AddrPort {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	a := c.LocalAddr().(*net.UDPAddr).AddrPort()
	_ = c.Close()
	return a
}

// checkSeq checks that ps form one RTP stream: one SSRC, sequence numbers
// +1 each, and the given timestamp steps (in frames) between packets.
func checkSeq(t testing.TB, ps []*rtp.Packet, steps []int) {
	t.Helper()
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1].Header, ps[i].Header
		if b.SSRC != a.SSRC {
			t.Errorf("packet %d: SSRC %08x, was %08x", i, b.SSRC, a.SSRC)
		}
		if b.SequenceNumber != a.SequenceNumber+1 {
			t.Errorf("packet %d: seq %d after %d", i, b.SequenceNumber, a.SequenceNumber)
		}
		want := uint32(160)
		if steps != nil {
			want = uint32(160 * steps[i-1])
		}
		if d := b.Timestamp - a.Timestamp; d != want {
			t.Errorf("packet %d: timestamp step %d, want %d", i, d, want)
		}
	}
}
