package stream

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// seqSource fills frame n with the byte n (1, 2, ...) and reports ok. Only
// the shard touches it while it is a stream's source.
type seqSource struct {
	n     int
	ok    bool
	codec Codec // of the last read
}

func (s *seqSource) ReadFrame(dst []byte, c Codec) bool {
	s.n++
	for i := range dst {
		dst[i] = byte(s.n)
	}
	s.codec = c
	return s.ok
}

// funcSource is a source that is not comparable.
type funcSource func([]byte, Codec) bool

func (f funcSource) ReadFrame(dst []byte, c Codec) bool { return f(dst, c) }

// TestSetSource: a source takes the place of the playback, which pauses
// and resumes where it was; SendDigit still works; only the owner's
// CompareAndSwapSource restores.
func TestSetSource(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMA, DTMFPT: 101})
	clip := pattern(160*4, 3)
	done := s.Play([][]byte{clip})
	payload := func() []byte {
		t.Helper()
		clock.tick(t)
		pkt, _ := p.recv()
		return pkt.Payload
	}
	if !bytes.Equal(payload(), clip[:160]) {
		t.Fatal("not the playback")
	}

	src := &seqSource{ok: true}
	if prev := s.SetSource(src); prev != nil {
		t.Errorf("first SetSource returned %v", prev)
	}
	if s.Source() != src {
		t.Error("Source is not the one set")
	}
	for i := 1; i <= 2; i++ {
		if got := payload(); !bytes.Equal(got, bytesOf(byte(i), 160)) {
			t.Errorf("frame %d: %x..., want the source's", i, got[:4])
		}
	}
	if src.codec != PCMA {
		t.Errorf("source asked for %v", src.codec)
	}
	if isClosed(done) {
		t.Fatal("a source ended the playback")
	}

	// Events take precedence; the source is read every frame all the same.
	if err := s.SendDigit('4', 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		clock.tick(t)
		if pkt, _ := p.recv(); pkt.PayloadType != 101 {
			t.Fatalf("payload type %d while a digit is sent", pkt.PayloadType)
		}
	}
	if got := payload(); !bytes.Equal(got, bytesOf(8, 160)) {
		t.Errorf("after the digit: %x..., want the source's 8th frame", got[:4])
	}

	src.ok = false // the shard is idle between ticks
	if got := payload(); !bytes.Equal(got, bytesOf(PCMA.Silence(), 160)) {
		t.Errorf("source without audio: %x..., want silence", got[:4])
	}
	src.ok = true

	other := &seqSource{}
	if s.CompareAndSwapSource(other, nil) || s.CompareAndSwapSource(nil, other) {
		t.Error("CompareAndSwapSource with the wrong old value swapped")
	}
	if s.Source() != src {
		t.Error("a failed CompareAndSwapSource changed the source")
	}
	if !s.CompareAndSwapSource(src, nil) {
		t.Fatal("the owner's CompareAndSwapSource failed")
	}
	for i := 1; i <= 3; i++ {
		if !bytes.Equal(payload(), clip[i*160:(i+1)*160]) {
			t.Fatalf("frame %d after the source: not the playback where it paused", i)
		}
	}
	if !closedWithin(done, wait) {
		t.Error("playback not finished")
	}
	if s.Source() != nil {
		t.Error("source left after restoring the playback")
	}
}

// TestSetSourceSwap: SetSource returns what it replaces; sources that are
// not comparable work but never match CompareAndSwapSource.
func TestSetSourceSwap(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	a, b := &seqSource{ok: true}, &seqSource{ok: true}
	tests := []struct {
		set, wantPrev Source
	}{
		{a, nil}, {b, a}, {b, b}, {nil, b}, {nil, nil}, {a, nil},
	}
	for i, tc := range tests {
		if prev := s.SetSource(tc.set); prev != tc.wantPrev {
			t.Errorf("step %d: SetSource returned %v, want %v", i, prev, tc.wantPrev)
		}
	}
	f := funcSource(func(dst []byte, c Codec) bool {
		fillSilence(dst, c)
		dst[0] = 0x42
		return true
	})
	s.SetSource(f)
	clock.tick(t)
	if pkt, _ := p.recv(); pkt.Payload[0] != 0x42 {
		t.Errorf("a func source's frame: %x...", pkt.Payload[:4])
	}
	if s.CompareAndSwapSource(f, nil) {
		t.Error("an incomparable source matched")
	}
	if s.CompareAndSwapSource(s.Source(), nil) {
		t.Error("an incomparable source matched itself")
	}
	if s.SetSource(nil) == nil {
		t.Error("SetSource(nil) did not return the func source")
	}
}

// TestSourceOnHold: a source is read every frame of the clock, also while
// nothing is sent, so a live one stays current.
func TestSourceOnHold(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	src := &seqSource{ok: true}
	s.SetSource(src)
	s.SetSending(false)
	for range 3 {
		clock.tick(t)
	}
	s.SetSending(true)
	clock.tick(t)
	if pkt, _ := p.recv(); !bytes.Equal(pkt.Payload, bytesOf(4, 160)) {
		t.Errorf("after hold: %x..., want the 4th frame", pkt.Payload[:4])
	}
	if src.n != 4 {
		t.Errorf("%d reads in 4 frames", src.n)
	}
}

// TestBridgeTaps: a tap on a bridged stream records both sides: what its
// peer said (In) and the other leg's audio sent to it (Out). Bridge takes
// the place of a source and puts it back when it ends, unless replaced.
func TestBridgeTaps(t *testing.T) {
	l := openLegs(t, Config{Codec: PCMU}, Config{Codec: PCMU})
	before := &seqSource{ok: true}
	l.a.SetSource(before)
	tap := tapped(t, l.a, 64)
	link := l.bridge(t)
	if _, err := Bridge(l.a, l.b); !errors.Is(err, ErrLinked) {
		t.Errorf("second bridge: %v", err)
	}
	toA, toB := noise(160*12, 1), noise(160*12, 2)
	for i := range 12 {
		l.pa.audio(l.a, 0, toA[i*160:(i+1)*160])
		l.pb.audio(l.b, 0, toB[i*160:(i+1)*160])
		l.clock.tick(t)
	}
	var in, out []byte
	for _, f := range drainTap(tap) {
		if f.HasIn {
			in = append(in, f.In[:]...)
		}
		if f.HasOut && !bytes.Equal(f.Out[:], bytesOf(0xFF, 160)) {
			out = append(out, f.Out[:]...)
		}
	}
	if len(in) < 8*160 || !bytes.Equal(in, toA[160:160+len(in)]) {
		t.Errorf("In: %d bytes, not A's peer's audio", len(in))
	}
	if len(out) < 8*160 || !bytes.Equal(out, toB[160:160+len(out)]) {
		t.Errorf("Out: %d bytes, not B's peer's audio", len(out))
	}
	_ = link.Close()
	if l.a.Source() != before || l.b.Source() != nil {
		t.Errorf("after Close: sources %v and %v", l.a.Source(), l.b.Source())
	}
	if err := l.a.AddSink(NewTap(1)); err != nil {
		t.Errorf("a sink after the link: %v", err)
	}

	// A source set while bridged stays when the link ends.
	link = l.bridge(t)
	mine := &seqSource{}
	l.b.SetSource(mine)
	_ = link.Close()
	if l.b.Source() != mine || l.a.Source() != before {
		t.Errorf("after Close: sources %v and %v", l.a.Source(), l.b.Source())
	}
	l.clock.tick(t)
	if tap.Len() != 1 {
		t.Error("the tap stopped with the link")
	}
}
