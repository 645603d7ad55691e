package stream

import (
	"slices"
	"testing"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// eventPayload marshals a telephone-event.
func eventPayload(t *testing.T, key byte, end bool, dur uint16) []byte {
	t.Helper()
	b := make([]byte, dtmf.EventSize)
	if _, err := (dtmf.Event{Key: key, End: end, Volume: 10, Duration: dur}).MarshalTo(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// pressKey sends one key press as RFC 4733 events: three packets of growing
// duration, then three end packets, all with one timestamp.
func (p *peer) pressKey(t *testing.T, s *Stream, pt uint8, key byte) {
	ts := p.ts
	for i := 1; i <= 3; i++ {
		p.send(s, pt, ts, i == 1, eventPayload(t, key, false, uint16(160*i)))
	}
	for range 3 {
		p.send(s, pt, ts, false, eventPayload(t, key, true, 640))
	}
	p.ts += 640 + 320
}

func TestStrictLearning(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	sdp := newPeer(t)    // the address the SDP gave
	caller := newPeer(t) // where the caller's packets really come from (NAT)
	stranger := newPeer(t)
	var got digits
	s := openTo(t, e, sdp, Config{Codec: PCMU, DTMFPT: 101, OnDigit: got.on})
	silence := bytesOf(0xFF, 160)

	// One stray packet is not enough.
	stranger.audio(s, 0, silence)
	clock.settle(t)
	if st := s.Stats(); st.Learned.IsValid() || st.Probation != 1 {
		t.Fatalf("after one packet: %+v", st)
	}
	// Two packets with a gap in sequence numbers are not either.
	caller.audio(s, 0, silence)
	caller.seq++
	caller.audio(s, 0, silence)
	clock.settle(t)
	if st := s.Stats(); st.Learned.IsValid() {
		t.Fatalf("learned from non-consecutive packets: %+v", st)
	}
	// A packet of the wrong payload type is invalid and does not count.
	caller.audio(s, 8, silence)
	caller.audio(s, 0, silence)
	clock.settle(t)
	if st := s.Stats(); st.Learned.IsValid() || st.Invalid != 1 {
		t.Fatalf("after a wrong payload type: %+v", st)
	}
	// The next consecutive one teaches the source.
	caller.audio(s, 0, silence)
	clock.settle(t)
	st := s.Stats()
	if st.Learned != caller.addr() || st.PacketsIn != 1 {
		t.Fatalf("learned %v (stats %+v), want %v", st.Learned, st, caller.addr())
	}

	// From now on the stranger is dropped, digits and all.
	stranger.pressKey(t, s, 101, '9')
	caller.pressKey(t, s, 101, '1')
	clock.settle(t)
	if st := s.Stats(); st.Strangers != 6 {
		t.Errorf("strangers = %d, want 6", st.Strangers)
	}
	if keys := got.get(); !slices.Equal(keys, []string{"1:rfc4733"}) {
		t.Errorf("digits %v, want only the caller's 1", keys)
	}

	// Symmetric RTP: we answer to the learned address, not the SDP one.
	clock.tick(t)
	if _, from := caller.recv(); from.Port() != uint16(s.LocalPort()) {
		t.Errorf("reply from port %d", from.Port())
	}
	sdp.quiet()
}

func TestRelearnOnNewRemote(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	a, b := newPeer(t), newPeer(t)
	s := openTo(t, e, a, Config{Codec: PCMU})
	a.audio(s, 0, bytesOf(0xFF, 160))
	a.audio(s, 0, bytesOf(0xFF, 160))
	clock.settle(t)
	s.SetRemote(a.addr()) // the same address: keeps the source
	clock.settle(t)
	if s.Stats().Learned != a.addr() {
		t.Fatal("source not learned or lost")
	}
	s.SetRemote(b.addr())
	b.audio(s, 0, bytesOf(0xFF, 160))
	b.audio(s, 0, bytesOf(0xFF, 160))
	clock.settle(t)
	if got := s.Stats().Learned; got != b.addr() {
		t.Errorf("learned %v after the remote moved, want %v (%+v)", got, b.addr(), s.Stats())
	}
}

func TestDigitsRFC4733In(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	var got digits
	s := openTo(t, e, p, Config{Codec: PCMA, DTMFPT: 96, InbandDTMF: true, OnDigit: got.on})
	p.audio(s, 8, bytesOf(0xD5, 160))
	for _, k := range []byte("1224#") {
		p.audio(s, 8, bytesOf(0xD5, 160))
		p.pressKey(t, s, 96, k)
		clock.tick(t)
	}
	// A lost start: only end packets.
	for range 3 {
		p.send(s, 96, p.ts, false, eventPayload(t, 'D', true, 800))
	}
	// A bad event code is counted invalid.
	p.send(s, 96, p.ts+2000, false, []byte{99, 0, 0, 160})
	clock.settle(t)
	want := []string{"1:rfc4733", "2:rfc4733", "2:rfc4733", "4:rfc4733", "#:rfc4733", "D:rfc4733"}
	if keys := got.get(); !slices.Equal(keys, want) {
		t.Errorf("digits %v, want %v", keys, want)
	}
	if st := s.Stats(); st.Invalid != 1 {
		t.Errorf("invalid = %d, want 1", st.Invalid)
	}
}

// TestSDPAddressTakesOver: a stray sender that got in first is replaced by
// the address the SDP named once that sends consecutive packets; strays
// still cannot take it back.
func TestSDPAddressTakesOver(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	sdp := newPeer(t)
	stray := newPeer(t)
	s := openTo(t, e, sdp, Config{Codec: PCMU})
	silence := bytesOf(0xFF, 160)
	stray.audio(s, 0, silence)
	stray.audio(s, 0, silence)
	clock.settle(t)
	if got := s.Stats().Learned; got != stray.addr() {
		t.Fatalf("learned %v, want the stray %v first", got, stray.addr())
	}
	sdp.audio(s, 0, silence)
	clock.settle(t)
	if got := s.Stats().Learned; got != stray.addr() {
		t.Fatalf("one packet from the SDP address took over: %v", got)
	}
	sdp.audio(s, 0, silence)
	clock.settle(t)
	if got := s.Stats().Learned; got != sdp.addr() {
		t.Fatalf("learned %v, want the SDP address %v", got, sdp.addr())
	}
	stray.audio(s, 0, silence)
	stray.audio(s, 0, silence)
	clock.settle(t)
	if got := s.Stats().Learned; got != sdp.addr() {
		t.Errorf("the stray took the stream back: %v", got)
	}
	stray.quiet()
}
