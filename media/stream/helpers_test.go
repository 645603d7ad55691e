package stream

import (
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// wait is the generous timeout of tests that wait for something.
const wait = 5 * time.Second

// fakeClock is a Clock whose ticks the test sends by hand.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []chan time.Time
	added   chan struct{} // a shard started
	ticked  chan struct{} // a shard finished a tick (shard.afterTick)
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_700_000_000, 0), added: make(chan struct{}, 64), ticked: make(chan struct{})}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(time.Duration) (<-chan time.Time, func()) {
	ch := make(chan time.Time)
	c.mu.Lock()
	c.tickers = append(c.tickers, ch)
	c.mu.Unlock()
	c.added <- struct{}{}
	return ch, func() {}
}

// waitTickers waits until n shards have started.
func (c *fakeClock) waitTickers(t testing.TB, n int) {
	t.Helper()
	for range n {
		select {
		case <-c.added:
		case <-time.After(wait):
			t.Fatal("shards did not start")
		}
	}
}

// step advances the clock by d, delivers a tick to every shard and waits
// until each has finished it.
func (c *fakeClock) step(t *testing.T, d time.Duration) {
	t.Helper()
	c.mu.Lock()
	c.now = c.now.Add(d)
	now, tickers := c.now, append([]chan time.Time(nil), c.tickers...)
	c.mu.Unlock()
	for _, ch := range tickers {
		select {
		case ch <- now:
		case <-time.After(wait):
			t.Fatal("shard did not take the tick")
		}
		select {
		case <-c.ticked:
		case <-time.After(wait):
			t.Fatal("shard did not finish the tick")
		}
	}
}

// tick advances one frame; settle runs a tick that only drains what has
// arrived (a tick at the same time sends nothing).
func (c *fakeClock) tick(t *testing.T)   { t.Helper(); c.step(t, frameDur) }
func (c *fakeClock) settle(t *testing.T) { t.Helper(); c.step(t, 0) }

// newTestEngine starts a one-shard engine on a fake clock with a port
// range of pairs port pairs.
func newTestEngine(t testing.TB, pairs int) (*Engine, *fakeClock) {
	t.Helper()
	low, high := testPorts(pairs)
	clock := newFakeClock()
	e, err := NewEngine(Options{PortLow: low, PortHigh: high, Shards: 1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	e.shards[0].afterTick = func() { clock.ticked <- struct{}{} }
	clock.waitTickers(t, 1)
	t.Cleanup(func() { _ = e.Close() })
	return e, clock
}

// testPorts returns a port range for one test, distinct per test so that
// tests running one after another do not meet each other's late packets
// (the ranges come round again only after some 12000 pairs).
var (
	portMu   sync.Mutex
	portNext = 40000 + os.Getpid()%1000*16
)

func testPorts(pairs int) (low, high int) {
	portMu.Lock()
	defer portMu.Unlock()
	if portNext+2*pairs > 65000 { // -count=N: start again from the bottom
		portNext = 40000
	}
	low = portNext
	portNext += 2 * pairs
	return low, low + 2*pairs - 1
}

var localhost = netip.MustParseAddr("127.0.0.1")

// peer is a plain UDP socket playing the other end of a call.
type peer struct {
	t    *testing.T
	conn *net.UDPConn
	seq  uint16
	ts   uint32
	ssrc uint32
}

func newPeer(t *testing.T) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(localhost, 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &peer{t: t, conn: c, seq: 100, ts: 8000, ssrc: 0xCAFE}
}

func (p *peer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// sendRaw sends raw bytes to the stream.
func (p *peer) sendRaw(s *Stream, b []byte) {
	p.t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort(b, netip.AddrPortFrom(localhost, uint16(s.LocalPort()))); err != nil {
		p.t.Fatal(err)
	}
}

// send sends one RTP packet with the next sequence number.
func (p *peer) send(s *Stream, pt uint8, ts uint32, marker bool, payload []byte) {
	p.t.Helper()
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: p.seq,
		Timestamp: ts, SSRC: p.ssrc, Marker: marker}, Payload: payload}
	b, err := pkt.Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	p.seq++
	p.sendRaw(s, b)
}

// audio sends one 20 ms audio frame and advances the peer's clock.
func (p *peer) audio(s *Stream, pt uint8, payload []byte) {
	p.t.Helper()
	p.send(s, pt, p.ts, false, payload)
	p.ts += 160
}

// recv reads the next packet sent to the peer.
func (p *peer) recv() (rtp.Packet, netip.AddrPort) {
	p.t.Helper()
	buf := make([]byte, 2048)
	_ = p.conn.SetReadDeadline(time.Now().Add(wait))
	n, from, err := p.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		p.t.Fatalf("no packet: %v", err)
	}
	var pkt rtp.Packet
	if err := pkt.Unmarshal(buf[:n]); err != nil {
		p.t.Fatalf("bad packet: %v", err)
	}
	return pkt, from
}

// quiet checks that nothing more arrives within a short while.
func (p *peer) quiet() {
	p.t.Helper()
	buf := make([]byte, 2048)
	_ = p.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := p.conn.ReadFromUDPAddrPort(buf); err == nil {
		p.t.Fatalf("unexpected packet of %d bytes", n)
	}
}

// digits collects OnDigit calls.
type digits struct {
	mu   sync.Mutex
	keys []string
}

func (d *digits) on(key byte, source string) {
	d.mu.Lock()
	d.keys = append(d.keys, string(key)+":"+source)
	d.mu.Unlock()
}

func (d *digits) get() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.keys...)
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
