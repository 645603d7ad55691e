//go:build linux && !386 && !portablerecv

package stream

import (
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// newPollEngine starts a one-shard engine on the real clock whose frames
// are an hour apart: its shard waits on the poller throughout, so all it
// does in a test happens from readiness, none of it on a tick. ticks
// counts the ticks (none is expected).
func newPollEngine(t *testing.T, pairs int) (e *Engine, ticks *atomic.Int64) {
	t.Helper()
	low, high := testPorts(pairs)
	e, err := newEngine(Options{PortLow: low, PortHigh: high, Shards: 1, Log: discard()})
	if err != nil {
		t.Fatal(err)
	}
	if e.shards[0].poll == nil {
		t.Fatal("the shard has no poller")
	}
	ticks = new(atomic.Int64)
	e.start(func(sh *shard) {
		sh.frame = time.Hour
		sh.afterTick = func() { ticks.Add(1) }
	})
	t.Cleanup(func() { _ = e.Close() })
	return e, ticks
}

// newManualEngine makes a one-shard engine on the real clock whose shard
// has a poller and no goroutine: the test drives it with sh.tick and, once
// it sets sh.active, sh.pollReady.
func newManualEngine(tb testing.TB, pairs int) (*Engine, *shard) {
	tb.Helper()
	low, high := testPorts(pairs)
	e, err := newEngine(Options{PortLow: low, PortHigh: high, Shards: 1, Log: discard()})
	if err != nil {
		tb.Fatal(err)
	}
	sh := e.shards[0]
	if sh.poll == nil {
		tb.Fatal("the shard has no poller")
	}
	tb.Cleanup(func() { _ = e.Close() })
	return e, sh
}

// keyChan is an OnDigit that hands each key over on a channel, noting how
// many ticks had run.
type keyChan struct {
	ticks *atomic.Int64
	ch    chan string
	after atomic.Int64 // keys reported after a tick had run
}

func newKeyChan(ticks *atomic.Int64) *keyChan {
	return &keyChan{ticks: ticks, ch: make(chan string, 16)}
}

func (k *keyChan) on(key byte, source string) {
	if k.ticks != nil && k.ticks.Load() != 0 {
		k.after.Add(1)
	}
	k.ch <- string(key) + ":" + source
}

// next waits for the next key.
func (k *keyChan) next(t *testing.T) string {
	t.Helper()
	select {
	case key := <-k.ch:
		return key
	case <-time.After(wait):
		t.Fatal("no key reported")
		return ""
	}
}

// TestKeyWithoutTick: on the real clock, a received key press (RFC 4733
// or in-band) reaches OnDigit and the KeySinks as soon as its packet is
// handled, without a tick: the shard's next frame is an hour away.
func TestKeyWithoutTick(t *testing.T) {
	e, ticks := newPollEngine(t, 2)
	p := newPeer(t)
	got := newKeyChan(ticks)
	s := openTo(t, e, p, Config{Codec: PCMU, DTMFPT: 101, InbandDTMF: true, OnDigit: got.on})
	sink := &keyTap{Tap: NewTap(4)}
	if err := s.AddSink(sink); err != nil {
		t.Fatal(err)
	}
	quiet := bytesOf(0xFF, 160)
	p.audio(s, 0, quiet) // on probation
	p.audio(s, 0, quiet) // learned
	for _, f := range frames(PCMU, dtmf.Tone('7', 100, 0.2)) {
		p.audio(s, 0, f)
	}
	p.audio(s, 0, quiet)
	p.audio(s, 0, quiet)
	if key := got.next(t); key != "7:inband" {
		t.Errorf("first key %q, want 7:inband", key)
	}
	p.pressKey(t, s, 101, '#')
	if key := got.next(t); key != "#:rfc4733" {
		t.Errorf("second key %q, want #:rfc4733", key)
	}
	if n := ticks.Load(); n != 0 || got.after.Load() != 0 {
		t.Errorf("%d ticks ran, %d keys after one", n, got.after.Load())
	}
	s.RemoveSink(sink) // waits for the readiness work that told the sink
	if keys := sink.get(); !slices.Equal(keys, []string{"7:inband", "#:rfc4733"}) {
		t.Errorf("the key sink got %v", keys)
	}
	if sink.Len() != 0 {
		t.Errorf("the sink got %d frames without a tick", sink.Len())
	}
	if st := s.Stats(); st.Learned != p.addr() || st.Probation != 1 {
		t.Errorf("stats %+v", st)
	}
}

// sendKey sends two audio packets (enough to learn the source) and a key
// press from conn to port, from a goroutine that is not the test's.
func sendKey(conn *net.UDPConn, port int, seq uint16, key byte) error {
	to := netip.AddrPortFrom(localhost, uint16(port))
	ev := make([]byte, dtmf.EventSize)
	for i := range uint16(4) {
		h := rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq + i, Timestamp: uint32(i) * 160, SSRC: 9}
		payload := make([]byte, 160)
		if i >= 2 {
			_, _ = dtmf.Event{Key: key, End: i == 3, Duration: 160 * i}.MarshalTo(ev)
			h.PayloadType, h.Timestamp, payload = 101, 320, ev
		}
		if _, err := conn.WriteToUDPAddrPort(marshal(h, payload), to); err != nil {
			return err
		}
	}
	return nil
}

// TestReadyAddRemove: streams opened and closed from several goroutines
// while the shard waits on its poller are served from the moment they are
// open (their keys are reported without a tick) and forgotten once closed.
func TestReadyAddRemove(t *testing.T) {
	const workers, rounds = 4, 25
	e, ticks := newPollEngine(t, 2*workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(localhost, 0)))
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			for r := range rounds {
				got := make(chan byte, 4)
				s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, DTMFPT: 101,
					OnDigit: func(key byte, _ string) { got <- key }})
				if err != nil {
					t.Error(err)
					return
				}
				key := dtmf.Keys[(w+r)%len(dtmf.Keys)]
				if err := sendKey(conn, s.LocalPort(), uint16(r*8), key); err != nil {
					t.Error(err)
				}
				select {
				case k := <-got:
					if k != key {
						t.Errorf("key %q, want %q", k, key)
					}
				case <-time.After(wait):
					t.Errorf("worker %d round %d: no key", w, r)
				}
				_ = s.Close()
			}
		})
	}
	wg.Wait()
	sh := e.shards[0]
	sh.mu.Lock()
	streams, slots, free := len(sh.streams), len(sh.slots), len(sh.free)
	sh.mu.Unlock()
	if streams != 0 || free != slots || slots > workers {
		t.Errorf("after closing all: %d streams, %d slots of which %d free", streams, slots, free)
	}
	if n := ticks.Load(); n != 0 {
		t.Errorf("%d ticks ran", n)
	}
}

// TestCloseWhileWaiting: Engine.Close wakes a shard blocked on its poller
// (its next frame is an hour away) and returns.
func TestCloseWhileWaiting(t *testing.T) {
	e, _ := newPollEngine(t, 2)
	p := newPeer(t)
	got := newKeyChan(nil)
	s := openTo(t, e, p, Config{Codec: PCMU, DTMFPT: 101, OnDigit: got.on})
	p.audio(s, 0, make([]byte, 160))
	p.audio(s, 0, make([]byte, 160))
	p.pressKey(t, s, 101, '1')
	got.next(t) // the shard is serving, and then waits again
	closed := make(chan struct{})
	go func() {
		_ = e.Close()
		close(closed)
	}()
	if !closedWithin(closed, wait) {
		t.Fatal("Close did not return")
	}
	if n := e.Streams(); n != 0 || e.shards[0].poll != nil {
		t.Errorf("%d streams, poller %v after Close", n, e.shards[0].poll)
	}
}

// TestPolledNotReadOnTick: while the shard polls, a registered socket is
// read when it is readable and never on the tick; a socket whose
// registration failed is read on the tick.
func TestPolledNotReadOnTick(t *testing.T) {
	e, sh := newManualEngine(t, 4)
	p := newPeer(t)
	var heard digits
	polled := openTo(t, e, p, Config{Codec: PCMU, DTMFPT: 101, OnDigit: heard.on})
	good := sh.poll
	sh.poll = &poller{ep: -1, wakeFD: -1} // registration fails
	unpolled := openTo(t, e, p, Config{Codec: PCMU, DTMFPT: 101, OnDigit: heard.on})
	sh.poll = good
	if !polled.polled || unpolled.polled {
		t.Fatalf("polled %v and %v", polled.polled, unpolled.polled)
	}
	sh.active = sh.poll
	for _, s := range []*Stream{polled, unpolled} {
		p.audio(s, 0, make([]byte, 160))
		p.audio(s, 0, make([]byte, 160))
	}
	p.pressKey(t, unpolled, 101, '2')
	p.pressKey(t, polled, 101, '1')
	sh.tick(1, 0)
	if st := polled.Stats(); st.PacketsIn+st.Probation != 0 {
		t.Errorf("the polled stream was read on the tick: %+v", st)
	}
	if keys := heard.get(); !slices.Equal(keys, []string{"2:rfc4733"}) {
		t.Fatalf("after the tick: %v", keys)
	}
	for range 8 { // 2 audio and 6 event packets, one per readiness report
		if err := sh.pollReady(wait); err != nil {
			t.Fatal(err)
		}
	}
	if keys := heard.get(); !slices.Equal(keys, []string{"2:rfc4733", "1:rfc4733"}) {
		t.Errorf("after readiness: %v", keys)
	}
	if st := polled.Stats(); st.PacketsIn != 7 || st.Probation != 1 {
		t.Errorf("polled stream: %+v", st)
	}
	// RTCP likewise: the tick discards it every rtcpEvery ticks only where
	// it is not polled.
	for _, s := range []*Stream{polled, unpolled} {
		p.sendTo(s.LocalPort()+1, []byte("an RTCP report"))
	}
	for range rtcpEvery {
		sh.tick(1, 0)
	}
	if !waiting(t, polled.rtcp) || waiting(t, unpolled.rtcp) {
		t.Errorf("after the ticks: RTCP waiting on the polled stream %v, on the other %v",
			waiting(t, polled.rtcp), waiting(t, unpolled.rtcp))
	}
	if err := sh.pollReady(wait); err != nil {
		t.Fatal(err)
	}
	if waiting(t, polled.rtcp) {
		t.Error("RTCP still waiting after readiness")
	}
}

// waiting reports whether a datagram waits on so, leaving it there.
func waiting(t *testing.T, so *sock) bool {
	t.Helper()
	buf := make([]byte, 8)
	_, _, err := syscall.Recvfrom(so.fd, buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err == nil
}

// TestStaleKey: a poller key returned for a stream that has gone does not
// reach the stream that took its slot; a key tells RTP from RTCP.
func TestStaleKey(t *testing.T) {
	e, sh := newManualEngine(t, 4)
	a, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	if !a.polled || !a.rtcpPolled {
		t.Fatalf("registered: RTP %v, RTCP %v", a.polled, a.rtcpPolled)
	}
	sh.mu.Lock()
	stale := sh.slots[a.slot].key(a.slot, false)
	sh.mu.Unlock()
	_ = a.Close()
	b, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	fresh, rtcp := sh.slots[b.slot].key(b.slot, false), sh.slots[b.slot].key(b.slot, true)
	if uint32(fresh) != uint32(stale) {
		t.Fatalf("b did not take a's slot: keys %#x, %#x", stale, fresh)
	}
	for _, c := range []struct {
		name string
		key  uint64
		want woken
	}{
		{"stale", stale, woken{}},
		{"fresh", fresh, woken{b, false}},
		{"rtcp", rtcp, woken{b, true}},
		{"wake-up", wakeKey, woken{}},
	} {
		if got := sh.lookupLocked(c.key); got != c.want {
			t.Errorf("%s key %#x: %+v, want %+v", c.name, c.key, got, c.want)
		}
	}
}

// rawSocket binds a non-blocking UDP socket on 127.0.0.1 and returns its
// descriptor and port.
func rawSocket(t *testing.T) (fd, port int) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: localhost.As4()}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fd, sa.(*syscall.SockaddrInet4).Port
}

// sendTo sends b to a port on 127.0.0.1.
func (p *peer) sendTo(port int, b []byte) {
	p.t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort(b, netip.AddrPortFrom(localhost, uint16(port))); err != nil {
		p.t.Fatal(err)
	}
}

// queued counts the datagrams waiting on fd, reading them.
func queued(fd int) int {
	buf := make([]byte, 64)
	n := 0
	for {
		if _, _, err := syscall.Recvfrom(fd, buf, syscall.MSG_DONTWAIT); err != nil {
			return n
		}
		n++
	}
}

// TestNoReadAfterClose: a stream closed while a peer floods it, and while
// the shard serves it from readiness, never reads its descriptor again: a
// socket opened just after, which takes the same descriptor number, keeps
// every datagram sent to it.
func TestNoReadAfterClose(t *testing.T) {
	const rounds, sent = 50, 20
	e, _ := newPollEngine(t, 2)
	p := newPeer(t)
	reused := 0
	for range rounds {
		got := newKeyChan(nil)
		s := openTo(t, e, p, Config{Codec: PCMU, DTMFPT: 101, OnDigit: got.on})
		p.audio(s, 0, make([]byte, 160))
		p.audio(s, 0, make([]byte, 160))
		p.pressKey(t, s, 101, '9')
		got.next(t)
		stop, flooded := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(flooded)
			pkt := marshal(rtp.Header{Version: 2, PayloadType: 0, SSRC: 1}, make([]byte, 160))
			to := netip.AddrPortFrom(localhost, uint16(s.LocalPort()))
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = p.conn.WriteToUDPAddrPort(pkt, to)
			}
		}()
		old := s.rtp.fd
		_ = s.Close()
		fd, port := rawSocket(t)
		if fd == old {
			reused++
		}
		for range sent {
			p.sendTo(port, []byte("not for the stream"))
		}
		close(stop)
		<-flooded
		if n := queued(fd); n != sent {
			t.Errorf("the socket on descriptor %d (the stream's was %d) kept %d of %d datagrams", fd, old, n, sent)
		}
		_ = syscall.Close(fd)
	}
	t.Logf("%d of %d descriptors reused", reused, rounds)
	if reused == 0 {
		t.Errorf("no descriptor was reused in %d rounds: the test tests nothing", rounds)
	}
}

// TestClosedNotRead: the readiness work and the tick of a closed stream do
// not touch its socket, even if a descriptor with a datagram waiting were
// there.
func TestClosedNotRead(t *testing.T) {
	e, sh := newManualEngine(t, 2)
	s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	fd, port := rawSocket(t)
	defer syscall.Close(fd)
	p := newPeer(t)
	p.sendTo(port, []byte("bait"))
	s.rtp.fd = fd
	sh.serveReady(s, false)
	sh.serveReady(s, true)
	sh.serve(s, 1, 0)
	s.rtp.fd = -1
	if n := queued(fd); n != 1 {
		t.Errorf("%d datagrams left, want 1", n)
	}
}
