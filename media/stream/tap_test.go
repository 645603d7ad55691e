package stream

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// tapped attaches a new tap of n frames to s.
func tapped(t *testing.T, s *Stream, n int) *Tap {
	t.Helper()
	tap := NewTap(n)
	if err := s.AddSink(tap); err != nil {
		t.Fatal(err)
	}
	return tap
}

// drainTap returns the frames waiting in tap.
func drainTap(tap *Tap) []Frame {
	out := make([]Frame, tap.Len())
	return out[:tap.Read(out)]
}

// checkIndex checks frames are numbered from first on without a gap.
func checkIndex(t *testing.T, frames []Frame, first uint64) {
	t.Helper()
	for i, f := range frames {
		if f.Index != first+uint64(i) {
			t.Fatalf("frame %d has index %d, want %d", i, f.Index, first+uint64(i))
		}
	}
}

// receivedIn returns the In audio of the frames with HasIn, concatenated,
// checking every other frame's In is silence.
func receivedIn(t *testing.T, frames []Frame) []byte {
	t.Helper()
	var got []byte
	for _, f := range frames {
		if f.HasIn {
			got = append(got, f.In[:]...)
		} else if !bytes.Equal(f.In[:], bytesOf(f.Codec.Silence(), FrameSamples)) {
			t.Fatalf("frame %d: HasIn false but In is not silence", f.Index)
		}
	}
	return got
}

// TestTapIn: the In side of the frames is what the peer sent, in order,
// after the playout buffer's prefill; silence (HasIn false) before any
// packet and once the buffer runs dry in a gap.
func TestTapIn(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		t.Run(c.String(), func(t *testing.T) {
			e, clock := newTestEngine(t, 2)
			p := newPeer(t)
			s := openTo(t, e, p, Config{Codec: c})
			tap := tapped(t, s, 128)
			tone := frames(c, sine(1000, 160*40))
			var sent [][]byte
			run := func(ticks int, send bool) {
				for range ticks {
					if send {
						f := tone[len(sent)]
						p.audio(s, uint8(c), f)
						sent = append(sent, f)
					}
					clock.tick(t)
				}
			}
			run(3, false) // nothing yet
			run(20, true)
			run(5, false) // a gap
			run(10, true)
			run(2, false) // play out the rest
			got := drainTap(tap)
			if len(got) != 40 {
				t.Fatalf("%d frames for 40 ticks", len(got))
			}
			checkIndex(t, got, 0)
			// The first packet teaches the source; every later one is
			// played out once, in order.
			if want := slices.Concat(sent[1:]...); !bytes.Equal(receivedIn(t, got), want) {
				t.Fatal("In is not the audio the peer sent")
			}
			before := slices.IndexFunc(got, func(f Frame) bool { return f.HasIn })
			if before != 5 { // 3 quiet ticks, the learning packet, the prefill
				t.Errorf("first audio in frame %d, want 5", before)
			}
			for _, i := range []int{24, 25, 26} { // the gap, once the buffer is dry
				if got[i].HasIn {
					t.Errorf("frame %d in the gap has audio", i)
				}
			}
			pcm := make([]int16, FrameSamples)
			full := math.Pow(0.3*math.MaxInt16, 2)
			if lvl := dtmf.Goertzel(pcm[:got[10].InPCM(pcm)], 1000); lvl < full/4 {
				t.Errorf("1 kHz in In at %.3g (full %.3g)", lvl, full)
			}
			if got[10].Codec != c {
				t.Errorf("codec %v", got[10].Codec)
			}
		})
	}
}

// TestTapPacketSizes: received audio of 10, 20 and 30 ms packets plays out
// as one continuous stream of 20 ms frames.
func TestTapPacketSizes(t *testing.T) {
	for _, size := range []int{80, 160, 240} {
		t.Run(time.Duration(size/8*int(time.Millisecond)).String(), func(t *testing.T) {
			e, clock := newTestEngine(t, 2)
			p := newPeer(t)
			s := openTo(t, e, p, Config{Codec: PCMU})
			tap := tapped(t, s, 128)
			audio := noise(160*42, 1)
			off, first := 0, 0
			for tick := 1; tick <= 40; tick++ {
				for off < tick*FrameSamples { // keep up with the clock
					p.send(s, 0, uint32(off), false, audio[off:off+size])
					if off == 0 {
						first = size // the learning packet
					}
					off += size
				}
				clock.tick(t)
			}
			for range 3 {
				clock.tick(t)
			}
			got := drainTap(tap)
			checkIndex(t, got, 0)
			played := (off - first) / FrameSamples // whole frames; a rest stays buffered
			if !bytes.Equal(receivedIn(t, got), audio[first:first+played*FrameSamples]) {
				t.Fatal("In is not the audio the peer sent")
			}
			start := slices.IndexFunc(got, func(f Frame) bool { return f.HasIn })
			end := slices.IndexFunc(got[start:], func(f Frame) bool { return !f.HasIn })
			if want := played; end != want {
				t.Errorf("%d frames of audio in a row, want %d: an underrun", end, want)
			}
		})
	}
}

// TestTapOut: the Out side is the audio sent (HasOut), and silence while
// nothing is sent: on hold, while a telephone-event goes out, before a
// remote is known.
func TestTapOut(t *testing.T) {
	e, clock := newTestEngine(t, 4)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMA, DTMFPT: 101})
	tap := tapped(t, s, 128)
	clip := pattern(160*30, 3)
	s.Play([][]byte{clip})
	sending := []bool{}
	tick := func(n int, on bool) {
		for range n {
			clock.tick(t)
			sending = append(sending, on)
		}
	}
	tick(4, true)
	s.SetSending(false)
	tick(3, false)
	s.SetSending(true)
	if err := s.SendDigit('5', 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	tick(8, true)
	got := drainTap(tap)
	checkIndex(t, got, 0)
	clipOff := 0
	silence := bytesOf(PCMA.Silence(), FrameSamples)
	for i, f := range got {
		if !sending[i] {
			if f.HasOut || !bytes.Equal(f.Out[:], silence) {
				t.Errorf("frame %d on hold: HasOut %v", i, f.HasOut)
			}
			continue
		}
		pkt, _ := p.recv()
		switch pkt.PayloadType {
		case 101:
			if f.HasOut || !bytes.Equal(f.Out[:], silence) {
				t.Errorf("frame %d with an event: HasOut %v", i, f.HasOut)
			}
		case 8:
			if !f.HasOut || !bytes.Equal(f.Out[:], pkt.Payload) {
				t.Errorf("frame %d: Out is not what was sent", i)
			}
			if !bytes.Equal(f.Out[:], clip[clipOff:clipOff+160]) {
				t.Errorf("frame %d: Out is not the clip at %d", i, clipOff)
			}
			clipOff += 160
		}
	}
	if clipOff != 160*(4+3) { // 8 ticks after hold: 5 events, 3 audio
		t.Errorf("%d bytes of the clip sent", clipOff)
	}

	// No remote yet: nothing is sent, the frames come all the same.
	q, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	qtap := tapped(t, q, 8)
	clock.tick(t)
	clock.tick(t)
	for _, f := range drainTap(qtap) {
		if f.HasOut || f.HasIn {
			t.Errorf("frame %+v of a stream with no remote", f.Index)
		}
	}
}

// TestTapOverflow: a tap nobody reads keeps its first frames, counts the
// rest as dropped and never holds up the stream.
func TestTapOverflow(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	tap := tapped(t, s, 4)
	for range 10 {
		clock.tick(t)
	}
	if tap.Len() != 4 || tap.Dropped() != 6 {
		t.Fatalf("len %d, dropped %d; want 4 and 6", tap.Len(), tap.Dropped())
	}
	checkIndex(t, drainTap(tap), 0)
	clock.tick(t)
	if got := drainTap(tap); len(got) != 1 || got[0].Index != 10 {
		t.Fatalf("after reading: %d frames", len(got))
	}
	if st := s.Stats(); st.PacketsOut != 11 {
		t.Errorf("%d packets sent in 11 ticks", st.PacketsOut)
	}
}

// TestTapSkip: frames the shard skips leave a gap in Index.
func TestTapSkip(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	tap := tapped(t, s, 16)
	clock.tick(t)
	clock.step(t, 10*frameDur) // seven skipped, three sent
	var idx []uint64
	for _, f := range drainTap(tap) {
		idx = append(idx, f.Index)
	}
	if want := []uint64{0, 8, 9, 10}; !slices.Equal(idx, want) {
		t.Errorf("indexes %v, want %v", idx, want)
	}
}

// keyTap is a Tap that also records keys.
type keyTap struct {
	*Tap
	digits
}

func (k *keyTap) Key(key byte, source string) { k.on(key, source) }

var _ KeySink = (*keyTap)(nil)

// TestKeySink: a KeySink gets every key the stream hears, RFC 4733 and
// in-band, until it is removed.
func TestKeySink(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	var onDigit digits
	s := openTo(t, e, p, Config{Codec: PCMU, DTMFPT: 101, InbandDTMF: true, OnDigit: onDigit.on})
	k := &keyTap{Tap: NewTap(256)}
	if err := s.AddSink(k); err != nil {
		t.Fatal(err)
	}
	quiet := bytesOf(0xFF, 160)
	p.audio(s, 0, quiet)
	for _, f := range frames(PCMU, dtmf.Tone('7', 100, 0.2)) {
		p.audio(s, 0, f)
		clock.tick(t)
	}
	for range 2 {
		p.audio(s, 0, quiet)
		clock.tick(t)
	}
	p.pressKey(t, s, 101, '1')
	clock.tick(t)
	want := []string{"7:inband", "1:rfc4733"}
	if got := k.get(); !slices.Equal(got, want) {
		t.Errorf("sink got %v, want %v", got, want)
	}
	if got := onDigit.get(); !slices.Equal(got, want) {
		t.Errorf("OnDigit got %v, want %v", got, want)
	}
	s.RemoveSink(k)
	s.RemoveSink(k) // idempotent
	p.pressKey(t, s, 101, '2')
	clock.tick(t)
	if got := k.get(); len(got) != 2 {
		t.Errorf("removed sink got %v", got)
	}
	if got := onDigit.get(); len(got) != 3 {
		t.Errorf("OnDigit got %v", got)
	}
}

// funcSink is a sink that is not comparable.
type funcSink func(*Frame)

func (f funcSink) WriteFrame(fr *Frame) { f(fr) }

func TestAddSinkErrors(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	if err := s.AddSink(nil); !errors.Is(err, errNilSink) {
		t.Errorf("nil: %v", err)
	}
	if err := s.AddSink(funcSink(func(*Frame) {})); !errors.Is(err, errIncomparable) {
		t.Errorf("a func: %v", err)
	}
	first := tapped(t, s, 8)
	if err := s.AddSink(first); err != nil {
		t.Errorf("added twice: %v", err)
	}
	for range maxSinks - 1 {
		tapped(t, s, 1)
	}
	if err := s.AddSink(NewTap(1)); !errors.Is(err, ErrTooManySinks) {
		t.Errorf("one too many: %v", err)
	}
	clock.tick(t)
	if first.Len() != 1 {
		t.Errorf("a sink added twice got %d frames in a tick", first.Len())
	}
	s.RemoveSink(NewTap(1))                 // not attached: nothing happens
	s.RemoveSink(funcSink(func(*Frame) {})) // not comparable: nothing happens
	s.RemoveSink(first)
	if err := s.AddSink(NewTap(1)); err != nil {
		t.Errorf("after a removal: %v", err)
	}
}

// TestCloseWithSinks: Close detaches the sinks and the source; no frame
// comes after it and nothing can be attached.
func TestCloseWithSinks(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	taps := []*Tap{tapped(t, s, 8), tapped(t, s, 8)}
	s.SetSource(&seqSource{ok: true})
	clock.tick(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	clock.tick(t)
	for i, tap := range taps {
		if tap.Len() != 1 {
			t.Errorf("tap %d has %d frames, want the one before Close", i, tap.Len())
		}
		s.RemoveSink(tap)
	}
	if err := s.AddSink(NewTap(1)); !errors.Is(err, ErrClosed) {
		t.Errorf("AddSink after Close: %v", err)
	}
	if src := s.Source(); src != nil {
		t.Errorf("source %v after Close", src)
	}
}

// noise returns n bytes, different for each seed, that do not repeat in
// any short period.
func noise(n int, seed uint32) []byte {
	b := make([]byte, n)
	x := seed
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}
