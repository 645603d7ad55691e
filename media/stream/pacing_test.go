package stream

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// openTo opens a stream whose remote is the peer.
func openTo(t *testing.T, e *Engine, p *peer, cfg Config) *Stream {
	t.Helper()
	cfg.Remote = p.addr()
	cfg.Local = localhost
	if !cfg.Signal.IsValid() {
		cfg.Signal = localhost // the call's signalling came from the peers' IP
	}
	s, err := e.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPacing(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMA})
	const n = 10
	for range n {
		clock.tick(t)
	}
	var first rtp.Packet
	for i := range n {
		pkt, from := p.recv()
		if from.Port() != uint16(s.LocalPort()) {
			t.Fatalf("packet from port %d, want %d", from.Port(), s.LocalPort())
		}
		if i == 0 {
			first = pkt
		}
		h := pkt.Header
		if h.Version != 2 || h.PayloadType != 8 || h.SSRC != first.SSRC {
			t.Fatalf("packet %d header %+v", i, h)
		}
		if h.SequenceNumber != first.SequenceNumber+uint16(i) || h.Timestamp != first.Timestamp+uint32(160*i) {
			t.Errorf("packet %d: seq %d ts %d, want seq %d ts %d", i, h.SequenceNumber, h.Timestamp,
				first.SequenceNumber+uint16(i), first.Timestamp+uint32(160*i))
		}
		if h.Marker != (i == 0) {
			t.Errorf("packet %d: marker %v", i, h.Marker)
		}
		if !bytes.Equal(pkt.Payload, bytesOf(0xD5, 160)) {
			t.Errorf("packet %d: payload is not A-law silence", i)
		}
	}
	p.quiet()
	if st := s.Stats(); st.PacketsOut != n || st.BytesOut != n*172 {
		t.Errorf("stats %+v, want %d packets out", st, n)
	}
}

// TestCatchUp: a late tick sends the frames it missed, up to three; a
// longer stall is skipped, with the RTP clock and marker showing the gap.
func TestCatchUp(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	openTo(t, e, p, Config{Codec: PCMU})
	clock.tick(t)
	first, _ := p.recv()

	clock.step(t, 3*frameDur) // two frames late: three due
	for i := 1; i <= 3; i++ {
		pkt, _ := p.recv()
		if pkt.SequenceNumber != first.SequenceNumber+uint16(i) || pkt.Timestamp != first.Timestamp+uint32(160*i) || pkt.Marker {
			t.Errorf("catch-up packet %d: %+v", i, pkt.Header)
		}
	}
	p.quiet()

	clock.step(t, 10*frameDur) // ten due: seven skipped, the last three sent
	for i := 4; i <= 6; i++ {
		pkt, _ := p.recv()
		wantTS := first.Timestamp + uint32(160*(i+7))
		if pkt.SequenceNumber != first.SequenceNumber+uint16(i) || pkt.Timestamp != wantTS || pkt.Marker != (i == 4) {
			t.Errorf("packet %d after the stall: %+v; want ts %d, marker only on the first", i, pkt.Header, wantTS)
		}
	}
	p.quiet()
	clock.tick(t)
	if pkt, _ := p.recv(); pkt.Timestamp != first.Timestamp+160*14 || pkt.SequenceNumber != first.SequenceNumber+7 || pkt.Marker {
		t.Errorf("next packet: %+v", pkt.Header)
	}
}

// TestPacingRate: over many ticks with jittery timing, frames sent match
// elapsed time exactly.
func TestPacingRate(t *testing.T) {
	sh := newShard(0, nil, discard())
	start := time.Unix(0, 0)
	sh.next = start.Add(frameDur)
	now := start
	sent := 0
	jitter := []time.Duration{0, 3 * time.Millisecond, -1 * time.Millisecond, 25 * time.Millisecond, 7 * time.Millisecond}
	for i := 1; i <= 500; i++ {
		now = start.Add(time.Duration(i)*frameDur + jitter[i%len(jitter)])
		n, skip := sh.due(now)
		if skip != 0 {
			t.Fatalf("tick %d skipped %d", i, skip)
		}
		sent += n
	}
	if want := 500; sent < want-2 || sent > want {
		t.Errorf("sent %d frames in 500 ticks", sent)
	}
}

func TestHold(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	clock.tick(t)
	first, _ := p.recv()
	s.SetSending(false)
	for range 5 {
		clock.tick(t)
	}
	clock.settle(t)
	p.quiet()
	s.SetSending(true)
	clock.tick(t)
	pkt, _ := p.recv()
	if !pkt.Marker || pkt.Timestamp != first.Timestamp+6*160 || pkt.SequenceNumber != first.SequenceNumber+1 {
		t.Errorf("after hold: %+v; want marker, ts +960, seq +1", pkt.Header)
	}
}

// TestLateRemote: nothing is sent until the remote address is known.
func TestLateRemote(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	clock.tick(t)
	clock.tick(t)
	clock.settle(t)
	p.quiet()
	s.SetRemote(p.addr())
	clock.tick(t)
	if pkt, _ := p.recv(); !pkt.Marker {
		t.Error("first packet without marker")
	}
}
