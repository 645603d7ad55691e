package stream

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/dtmf"
	"github.com/ivrbox/ivrbox/media/g711"
)

// legs is two streams on different shards of a fake-clock engine, each
// talking to its own peer.
type legs struct {
	clock  *fakeClock
	e      *Engine
	pa, pb *peer
	a, b   *Stream
}

// openLegs opens a (to peer pa) and b (to peer pb) on the two shards of a
// new engine.
func openLegs(t *testing.T, ca, cb Config) *legs {
	t.Helper()
	low, high := testPorts(4)
	clock := newFakeClock()
	e, err := NewEngine(Options{PortLow: low, PortHigh: high, Shards: 2, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range e.shards {
		sh.afterTick = func() { clock.ticked <- struct{}{} }
	}
	clock.waitTickers(t, 2)
	t.Cleanup(func() { _ = e.Close() })
	l := &legs{clock: clock, e: e, pa: newPeer(t), pb: newPeer(t)}
	l.a = openTo(t, e, l.pa, ca)
	l.b = openTo(t, e, l.pb, cb)
	if l.a.sh == l.b.sh {
		t.Fatal("both legs on one shard")
	}
	return l
}

func (l *legs) bridge(t *testing.T) *Link {
	t.Helper()
	link, err := Bridge(l.a, l.b)
	if err != nil {
		t.Fatal(err)
	}
	return link
}

// recvN reads n packets and returns them.
func (p *peer) recvN(n int) []rtp.Packet {
	p.t.Helper()
	pkts := make([]rtp.Packet, n)
	for i := range pkts {
		pkts[i], _ = p.recv()
	}
	return pkts
}

// sine returns n samples of a sine of freq Hz with a peak of 0.3 full scale.
func sine(freq float64, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(0.3 * math.MaxInt16 * math.Sin(2*math.Pi*freq*float64(i)/dtmf.SampleRate))
	}
	return out
}

// frames encodes pcm in c, one 160-byte frame per slice.
func frames(c Codec, pcm []int16) [][]byte {
	var out [][]byte
	for off := 0; off+160 <= len(pcm); off += 160 {
		f := make([]byte, 160)
		c.encode(f, pcm[off:off+160])
		out = append(out, f)
	}
	return out
}

// audioOf returns the payloads of the packets of audio codec c, checking
// there are no others unless events is set (then they are skipped).
func audioOf(t *testing.T, pkts []rtp.Packet, c Codec, events bool) [][]byte {
	t.Helper()
	var out [][]byte
	for i, p := range pkts {
		switch {
		case p.PayloadType == uint8(c):
			out = append(out, p.Payload)
		case !events:
			t.Fatalf("packet %d: payload type %d, want %d", i, p.PayloadType, c)
		}
	}
	return out
}

// checkRelayed checks got (what a peer received, in codec c) is silence and
// then want, in order, from its first frame on.
func checkRelayed(t *testing.T, got, want [][]byte, c Codec) {
	t.Helper()
	silence := bytesOf(c.silence(), 160)
	k := 0
	for k < len(got) && bytes.Equal(got[k], silence) {
		k++
	}
	if n := len(got) - k; n < len(want)-pipeFrames || n > len(want) {
		t.Fatalf("%d frames relayed after %d of silence, want about %d", n, k, len(want))
	}
	for i := k; i < len(got); i++ {
		if !bytes.Equal(got[i], want[i-k]) {
			t.Fatalf("frame %d (relayed %d) differs from what the other leg received", i, i-k)
		}
	}
}

// level returns the squared amplitude of freq in the last n frames of
// payloads in codec c.
func level(payloads [][]byte, c Codec, n int, freq float64) float64 {
	var pcm []int16
	buf := make([]int16, 160)
	for _, p := range payloads[len(payloads)-n:] {
		k := c.decode(buf, p)
		pcm = append(pcm, buf[:k]...)
	}
	return dtmf.Goertzel(pcm, freq)
}

func TestBridgeRelaysAudio(t *testing.T) {
	for _, tc := range []struct{ a, b Codec }{{PCMU, PCMU}, {PCMU, PCMA}, {PCMA, PCMU}, {PCMA, PCMA}} {
		t.Run(tc.a.String()+"-"+tc.b.String(), func(t *testing.T) {
			l := openLegs(t, Config{Codec: tc.a}, Config{Codec: tc.b})
			l.bridge(t)
			const n = 25
			toA, toB := frames(tc.a, sine(1000, n*160)), frames(tc.b, sine(2000, n*160))
			for i := range n {
				l.pa.audio(l.a, uint8(tc.a), toA[i])
				l.pb.audio(l.b, uint8(tc.b), toB[i])
				l.clock.tick(t)
			}
			atB := audioOf(t, l.pb.recvN(n), tc.b, false)
			atA := audioOf(t, l.pa.recvN(n), tc.a, false)
			// Byte for byte: what A received (from its second packet, the
			// first teaches the source), transcoded, is what B sends.
			checkRelayed(t, atB, transcoded(toA[1:], tc.a, tc.b), tc.b)
			checkRelayed(t, atA, transcoded(toB[1:], tc.b, tc.a), tc.a)
			// And by content: each peer hears the other's tone.
			full := math.Pow(0.3*math.MaxInt16, 2)
			if hi, lo := level(atB, tc.b, 10, 1000), level(atB, tc.b, 10, 2000); hi < full/2 || lo > hi/1000 {
				t.Errorf("B's peer: 1 kHz at %.3g, 2 kHz at %.3g (full %.3g)", hi, lo, full)
			}
			if hi, lo := level(atA, tc.a, 10, 2000), level(atA, tc.a, 10, 1000); hi < full/2 || lo > hi/1000 {
				t.Errorf("A's peer: 2 kHz at %.3g, 1 kHz at %.3g (full %.3g)", hi, lo, full)
			}
		})
	}
}

// transcoded returns frames in codec from converted to codec to.
func transcoded(in [][]byte, from, to Codec) [][]byte {
	var out [][]byte
	for _, f := range in {
		c := slices.Clone(f)
		switch {
		case from == PCMU && to == PCMA:
			g711.ULawToALaw(c, c)
		case from == PCMA && to == PCMU:
			g711.ALawToULaw(c, c)
		}
		out = append(out, c)
	}
	return out
}

func TestBridgeDigits(t *testing.T) {
	tests := []struct {
		name        string
		inband      bool  // the key is pressed in-band on A (else RFC 4733)
		bPT         uint8 // B's telephone-event payload type
		wantEvent   bool  // B's peer gets it as RFC 4733
		wantInbandB bool  // B's peer hears it in-band
	}{
		{"rfc4733 to rfc4733", false, 101, true, false},
		{"rfc4733 to inband", false, 0, false, true},
		// The event replaces B's audio as soon as A recognises the key, so
		// too little of the relayed tone (under 40 ms) reaches B's peer.
		{"inband to rfc4733", true, 101, true, false},
		{"inband to inband", true, 0, false, true}, // relayed, not generated again
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var gotA digits
			l := openLegs(t, Config{Codec: PCMU, DTMFPT: 101, InbandDTMF: tc.inband, OnDigit: gotA.on},
				Config{Codec: PCMA, DTMFPT: tc.bPT})
			l.bridge(t)
			quiet := bytesOf(g711.SilenceULaw, 160)
			ticks := 0
			send := func(f []byte) { l.pa.audio(l.a, 0, f); l.clock.tick(t); ticks++ }
			send(quiet)
			send(quiet)
			if tc.inband {
				for _, f := range frames(PCMU, dtmf.Tone('7', 100, 0.2)) {
					send(f)
				}
			} else {
				l.pa.pressKey(t, l.a, 101, '7')
			}
			for range 20 {
				send(quiet)
			}
			source := SourceRFC4733
			if tc.inband {
				source = SourceInband
			}
			if keys := gotA.get(); !slices.Equal(keys, []string{"7:" + source}) {
				t.Errorf("A reported %v", keys)
			}
			pkts := l.pb.recvN(ticks)
			var events []uint32 // timestamps of '7' presses
			for _, p := range pkts {
				if tc.bPT != 0 && p.PayloadType == tc.bPT {
					if ev, err := dtmf.ParseEvent(p.Payload); err != nil || ev.Key != '7' {
						t.Fatalf("event %+v, %v", ev, err)
					}
					if !slices.Contains(events, p.Timestamp) {
						events = append(events, p.Timestamp)
					}
				}
			}
			if got := len(events); got != map[bool]int{true: 1}[tc.wantEvent] {
				t.Errorf("%d RFC 4733 presses at B's peer", got)
			}
			var det dtmf.Detector
			var heard []byte
			buf := make([]int16, 160)
			for _, p := range audioOf(t, pkts, PCMA, tc.bPT != 0) {
				if key, ok := det.Feed(buf[:PCMA.decode(buf, p)]); ok {
					heard = append(heard, key)
				}
			}
			if want := map[bool]string{true: "7"}[tc.wantInbandB]; string(heard) != want {
				t.Errorf("B's peer heard %q in-band, want %q", heard, want)
			}
		})
	}
}

// TestBridgeClose: closing the link (twice) resumes a paused playback, and
// the streams can be bridged again.
func TestBridgeClose(t *testing.T) {
	l := openLegs(t, Config{Codec: PCMU}, Config{Codec: PCMU})
	clip := pattern(160*10, 1)
	done := l.b.Play([][]byte{clip})
	link := l.bridge(t)
	for range 3 {
		l.clock.tick(t)
	}
	for i, p := range l.pb.recvN(3) {
		if !bytes.Equal(p.Payload, bytesOf(g711.SilenceULaw, 160)) {
			t.Fatalf("bridged frame %d is not silence", i)
		}
	}
	if isClosed(done) {
		t.Fatal("bridging ended the playback")
	}
	if err := link.Close(); err != nil {
		t.Fatal(err)
	}
	if err := link.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	l.clock.tick(t)
	l.clock.tick(t)
	for i, p := range l.pb.recvN(2) {
		if !bytes.Equal(p.Payload, clip[i*160:(i+1)*160]) {
			t.Fatalf("frame %d after Close is not the playback", i)
		}
	}
	again, err := Bridge(l.b, l.a)
	if err != nil {
		t.Fatalf("Bridge after Close: %v", err)
	}
	_ = again.Close()
}

func TestBridgeErrors(t *testing.T) {
	l := openLegs(t, Config{Codec: PCMU}, Config{Codec: PCMA})
	c, err := l.e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Bridge(l.a, l.a); !errors.Is(err, errSelfLink) {
		t.Errorf("a with a: %v", err)
	}
	if _, err := Bridge(l.a, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("a with nil: %v", err)
	}
	link := l.bridge(t)
	for _, pair := range [][2]*Stream{{l.a, l.b}, {l.b, l.a}, {c, l.a}, {l.b, c}} {
		if _, err := Bridge(pair[0], pair[1]); !errors.Is(err, ErrLinked) {
			t.Errorf("a linked stream: %v", err)
		}
	}
	_ = link.Close()
	_ = c.Close()
	if _, err := Bridge(l.a, c); !errors.Is(err, ErrClosed) {
		t.Errorf("closed stream: %v", err)
	}
}

// TestBridgeStreamClose: closing one stream ends the link; the other goes
// back to its playback and can be bridged to another stream.
func TestBridgeStreamClose(t *testing.T) {
	l := openLegs(t, Config{Codec: PCMU}, Config{Codec: PCMU})
	clip := pattern(160*10, 1)
	l.b.Play([][]byte{clip})
	link := l.bridge(t)
	l.clock.tick(t)
	_ = l.a.Close()
	l.clock.tick(t)
	pkts := l.pb.recvN(2)
	if !bytes.Equal(pkts[0].Payload, bytesOf(g711.SilenceULaw, 160)) || !bytes.Equal(pkts[1].Payload, clip[:160]) {
		t.Fatal("B did not go back to its playback")
	}
	c, err := l.e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Bridge(l.b, c); err != nil {
		t.Fatalf("Bridge after the other leg closed: %v", err)
	}
	_ = link.Close()
}

// TestBridgeConcurrent bridges, unbridges and closes streams from several
// goroutines while real shards relay audio (run with -race), and checks no
// goroutine outlives the engine.
func TestBridgeConcurrent(t *testing.T) {
	before := runtime.NumGoroutine()
	low, high := testPorts(8)
	e, err := NewEngine(Options{PortLow: low, PortHigh: high, Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	sink := newPeer(t)
	open := func() *Stream {
		s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, DTMFPT: 101, Remote: sink.addr()})
		if err != nil {
			t.Error(err)
		}
		return s
	}
	var wg sync.WaitGroup
	for range 3 {
		a, b, src := open(), open(), newPeer(t)
		if a == nil || b == nil {
			t.FailNow()
		}
		wg.Go(func() {
			rec := NewTap(4) // a recorder on a, while its bridges come and go
			if err := a.AddSink(rec); err != nil {
				t.Error(err)
			}
			for i := range 20 {
				src.audio(a, 0, bytesOf(0xFF, 160))
				src.audio(b, 0, bytesOf(0xFF, 160))
				rec.Read(make([]Frame, 4))
				if link, err := Bridge(a, b); err == nil {
					_ = b.SendDigit('1', 0)
					time.Sleep(5 * time.Millisecond)
					if i%2 == 0 {
						_ = link.Close()
					} else {
						_ = b.Close()
						if b = open(); b == nil {
							return
						}
					}
				}
			}
			_ = a.Close()
		})
	}
	wg.Wait()
	_ = e.Close()
	sink.conn.Close()
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// ringStep is one step of a ring or pipe test.
type ringStep struct {
	push  []byte // pushed in codec (nil: pop instead)
	codec Codec  // codec of the push, or to pop in
	want  []byte // popped frame; nil: underrun
}

// runRingSteps runs steps against push and pop.
func runRingSteps(t *testing.T, steps []ringStep, push func([]byte, Codec), pop func([]byte, Codec) bool) {
	t.Helper()
	out := make([]byte, 160)
	for i, s := range steps {
		if s.push != nil {
			push(s.push, s.codec)
			continue
		}
		ok := pop(out, s.codec)
		if ok != (s.want != nil) || ok && !bytes.Equal(out, s.want) {
			t.Fatalf("step %d: pop %v %x..., want %x...", i, ok, out[:4], s.want[:min(4, len(s.want))])
		}
	}
}

func frameOf(b byte) []byte { return bytesOf(b, 160) }

// TestPlayout: a stream's playout buffer (the In of its sinks' frames):
// prefill, underrun, overrun (the oldest is dropped), odd packet sizes and
// codec changes.
func TestPlayout(t *testing.T) {
	f := frameOf
	tests := []struct {
		name  string
		steps []ringStep
	}{
		{"prefill", []ringStep{{f(1), PCMU, nil}, {nil, PCMU, nil}, {f(2), PCMU, nil}, {nil, PCMU, f(1)}, {nil, PCMU, f(2)}, {nil, PCMU, nil}}},
		{"underrun waits for prefill again", []ringStep{{f(1), PCMU, nil}, {f(2), PCMU, nil}, {nil, PCMU, f(1)}, {nil, PCMU, f(2)}, {nil, PCMU, nil},
			{f(3), PCMU, nil}, {nil, PCMU, nil}, {f(4), PCMU, nil}, {nil, PCMU, f(3)}}},
		{"overrun drops the oldest", []ringStep{{f(1), PCMU, nil}, {f(2), PCMU, nil}, {f(3), PCMU, nil}, {f(4), PCMU, nil},
			{f(5), PCMU, nil}, {f(6), PCMU, nil}, {f(7), PCMU, nil}, {nil, PCMU, f(2)}}},
		{"odd sizes", []ringStep{{bytesOf(1, 100), PCMU, nil}, {bytesOf(2, 300), PCMU, nil},
			{nil, PCMU, append(bytesOf(1, 100), bytesOf(2, 60)...)}, {nil, PCMU, f(2)}, {nil, PCMU, nil}}},
		{"oversize keeps the newest", []ringStep{{append(bytesOf(1, 160), bytesOf(2, 960)...), PCMU, nil}, {nil, PCMU, f(2)}}},
		{"codec change drops", []ringStep{{f(1), PCMU, nil}, {f(2), PCMU, nil}, {f(0xD5), PCMA, nil}, {nil, PCMA, nil},
			{f(0xD5), PCMA, nil}, {nil, PCMA, f(0xD5)}}},
		{"audio in another codec is dropped", []ringStep{{f(1), PCMU, nil}, {f(2), PCMU, nil}, {nil, PCMA, nil}, {f(3), PCMU, nil}, {nil, PCMU, nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m media
			runRingSteps(t, tc.steps, m.playout.push, func(dst []byte, c Codec) bool {
				ok := m.playIn(dst, c)
				if !ok && !bytes.Equal(dst, bytesOf(c.silence(), 160)) {
					t.Fatal("underrun is not silence")
				}
				return ok
			})
		})
	}
}

// TestPipe: one direction of a link starts after one frame, drops the
// oldest on overrun and transcodes.
func TestPipe(t *testing.T) {
	f := frameOf
	tests := []struct {
		name  string
		steps []ringStep
	}{
		{"prefill of one frame", []ringStep{{bytesOf(1, 80), PCMU, nil}, {nil, PCMU, nil}, {bytesOf(1, 80), PCMU, nil}, {nil, PCMU, f(1)}, {nil, PCMU, nil},
			{f(2), PCMU, nil}, {nil, PCMU, f(2)}}},
		{"overrun drops the oldest", []ringStep{{f(1), PCMU, nil}, {f(2), PCMU, nil}, {f(3), PCMU, nil}, {f(4), PCMU, nil},
			{f(5), PCMU, nil}, {f(6), PCMU, nil}, {f(7), PCMU, nil}, {nil, PCMU, f(2)}}},
		{"codec change drops", []ringStep{{f(1), PCMU, nil}, {f(0xD5), PCMA, nil}, {nil, PCMA, f(0xD5)}, {nil, PCMA, nil}}},
		{"transcodes", []ringStep{{f(0xFF), PCMU, nil}, {f(0x80), PCMU, nil}, {nil, PCMA, f(g711.SilenceALaw)}, {nil, PCMU, f(0x80)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p pipe
			runRingSteps(t, tc.steps, p.push, p.pop)
		})
	}
}

// TestBridgeLatency: the audio a stream receives goes out on the other one
// frame later than it could at best (the playout buffer) when the
// receiving stream's shard ticks first, and two frames later when it
// ticks second (the hand-over waits for the other shard's next tick).
func TestBridgeLatency(t *testing.T) {
	l := openLegs(t, Config{Codec: PCMU}, Config{Codec: PCMU})
	l.bridge(t)
	toA, toB := noise(160*8, 3), noise(160*8, 4)
	for i := range 8 {
		l.pa.audio(l.a, 0, toA[i*160:(i+1)*160])
		l.pb.audio(l.b, 0, toB[i*160:(i+1)*160])
		l.clock.tick(t) // one shard, then the other
	}
	// Packet 1 (packet 0 teaches the source) arrives before the second
	// tick: at best it would go out in that tick, frame 1.
	first := func(pkts []rtp.Packet, want []byte) int {
		return slices.IndexFunc(pkts, func(p rtp.Packet) bool { return bytes.Equal(p.Payload, want) })
	}
	got := []int{first(l.pb.recvN(8), toA[160:320]), first(l.pa.recvN(8), toB[160:320])}
	if slices.Sort(got); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("relayed audio went out in frames %v, want 2 and 3", got)
	}
}
