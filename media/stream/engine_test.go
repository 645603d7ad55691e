package stream

import (
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestPorts(t *testing.T) {
	e, _ := newTestEngine(t, 3)
	low := e.opts.PortLow
	// Another program holds the RTCP port of the second pair.
	busy, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(localhost, uint16(low+3))))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	a, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	if a.LocalPort() != low || b.LocalPort() != low+4 {
		t.Errorf("ports %d, %d; want %d, %d (skipping the busy pair)", a.LocalPort(), b.LocalPort(), low, low+4)
	}
	if _, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU}); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("third Open: %v, want ErrNoPorts", err)
	}
	if n := e.Streams(); n != 2 {
		t.Errorf("Streams = %d", n)
	}
	// RTCP is bound on the odd port above.
	if _, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(localhost, uint16(low+1)))); err == nil {
		t.Error("RTCP port not bound")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	c, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatalf("Open after a Close: %v", err)
	}
	if c.LocalPort() != low {
		t.Errorf("reopened on %d, want %d", c.LocalPort(), low)
	}
	if n := e.Streams(); n != 2 {
		t.Errorf("Streams = %d", n)
	}
}

func TestOpenErrors(t *testing.T) {
	e, _ := newTestEngine(t, 2)
	for _, cfg := range []Config{
		{Codec: 9},                 // not G.711
		{Codec: PCMA, DTMFPT: 8},   // events on the audio payload type
		{Codec: PCMU, DTMFPT: 128}, // not a payload type
	} {
		if _, err := e.Open(cfg); !errors.Is(err, ErrCodec) {
			t.Errorf("Open(%+v) = %v, want ErrCodec", cfg, err)
		}
	}
	_ = e.Close()
	if _, err := e.Open(Config{Codec: PCMU}); !errors.Is(err, ErrClosed) {
		t.Errorf("Open after Close: %v", err)
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{PortLow: 20000, PortHigh: 10000},
		{PortLow: 10001, PortHigh: 10002},
		{PortLow: 60000, PortHigh: 70000},
		{Shards: -1},
	} {
		if e, err := NewEngine(o); err == nil {
			_ = e.Close()
			t.Errorf("NewEngine(%+v) succeeded", o)
		}
	}
	o, err := Options{}.withDefaults()
	if err != nil || o.PortLow != DefaultPortLow || o.PortHigh != DefaultPortHigh || o.Shards < 1 || o.Log == nil || o.Clock == nil {
		t.Errorf("defaults %+v, %v", o, err)
	}
}

// TestCloseLeaksNothing: the engine's goroutines end with Close, which is
// idempotent, closes every stream and may be called concurrently.
func TestCloseLeaksNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	low, high := testPorts(4)
	e, err := NewEngine(Options{PortLow: low, PortHigh: high, Shards: 3})
	if err != nil {
		t.Fatal(err)
	}
	var streams []*Stream
	var plays []<-chan struct{}
	for range 3 {
		s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, Remote: netip.AddrPortFrom(localhost, 9)})
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, s)
		plays = append(plays, s.Play([][]byte{make([]byte, 16000)}))
	}
	time.Sleep(60 * time.Millisecond) // let the shards tick for real
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { _ = e.Close() })
	}
	wg.Wait()
	if n := e.Streams(); n != 0 {
		t.Errorf("%d streams after Close", n)
	}
	for i, ch := range plays {
		if !isClosed(ch) {
			t.Errorf("play %d still open", i)
		}
		if err := streams[i].Close(); err != nil {
			t.Errorf("stream Close after engine Close: %v", err)
		}
	}
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after Close\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestConcurrentControl drives every control method from several goroutines
// while real shards tick (run with -race).
func TestConcurrentControl(t *testing.T) {
	low, high := testPorts(8)
	e, err := NewEngine(Options{PortLow: low, PortHigh: high, Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p := newPeer(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, DTMFPT: 101, InbandDTMF: true,
				Remote: p.addr(), OnDigit: func(byte, string) {}})
			if err != nil {
				t.Error(err)
				return
			}
			for i := range 30 {
				switch i % 6 {
				case 0:
					s.Play([][]byte{make([]byte, 500)})
				case 1:
					_ = s.SendDigit('1', 0)
				case 2:
					s.SetSending(i%4 != 2)
				case 3:
					s.SetCodec(Codec(8*(g%2)), 101)
				case 4:
					s.SetRemote(p.addr())
					_ = s.Stats()
				case 5:
					s.Stop()
				}
				time.Sleep(2 * time.Millisecond)
			}
			_ = s.Close()
		})
	}
	wg.Wait()
}

// TestTickReadsInBubble: with TickReads an engine on the real clock has no
// poller, so inside a synctest bubble its shards block only on the fake
// ticker and a test's fake time moves on (the call core's tests run so).
func TestTickReadsInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := newEngine(Options{PortLow: 36000, PortHigh: 36009, Shards: 1, TickReads: true, Log: discard()})
		if err != nil {
			t.Fatal(err)
		}
		if e.shards[0].poll != nil {
			t.Fatal("a TickReads shard has a poller")
		}
		var ticks atomic.Int64
		e.start(func(sh *shard) { sh.afterTick = func() { ticks.Add(1) } })
		defer e.Close()
		time.Sleep(3 * time.Second / 50) // fake time: three frames
		synctest.Wait()
		if n := ticks.Load(); n < 2 {
			t.Errorf("%d ticks in three frames of fake time", n)
		}
	})
}
