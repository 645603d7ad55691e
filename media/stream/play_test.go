package stream

import (
	"bytes"
	"testing"
	"time"
)

func closedWithin(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func pattern(n int, base byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = base + byte(i%50)
	}
	return b
}

func TestPlay(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	clips := [][]byte{pattern(100, 0), {}, pattern(250, 100)}
	want := append(append([]byte{}, clips[0]...), clips[2]...)
	want = append(want, bytesOf(0xFF, 3*160-len(want))...) // padded with silence
	done := s.Play(clips)
	var got []byte
	for i := range 3 {
		if isClosed(done) {
			t.Fatalf("done closed after %d frames", i)
		}
		clock.tick(t)
		pkt, _ := p.recv()
		if len(pkt.Payload) != 160 {
			t.Fatalf("payload of %d bytes", len(pkt.Payload))
		}
		got = append(got, pkt.Payload...)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("sent\n%x\nwant\n%x", got, want)
	}
	if !closedWithin(done, wait) {
		t.Fatal("done not closed after the last frame")
	}
	clock.tick(t)
	if pkt, _ := p.recv(); !bytes.Equal(pkt.Payload, bytesOf(0xFF, 160)) {
		t.Errorf("after the clips: %x, want silence", pkt.Payload)
	}
}

func TestPlayExactFrames(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMA})
	clip := pattern(320, 7)
	done := s.Play([][]byte{clip})
	clock.tick(t)
	clock.tick(t)
	a, _ := p.recv()
	b, _ := p.recv()
	if !bytes.Equal(append(a.Payload, b.Payload...), clip) {
		t.Error("two frames differ from the clip")
	}
	if !closedWithin(done, wait) {
		t.Error("done not closed")
	}
}

func TestPlayReplaceStopClose(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	first := s.Play([][]byte{pattern(1600, 0)})
	second := s.Play([][]byte{pattern(1600, 60)})
	if !isClosed(first) {
		t.Error("replaced playback's channel not closed")
	}
	clock.tick(t)
	if pkt, _ := p.recv(); pkt.Payload[0] != 60 {
		t.Errorf("sent %x..., want the second clip", pkt.Payload[:4])
	}
	s.Stop()
	if !isClosed(second) {
		t.Error("stopped playback's channel not closed")
	}
	clock.tick(t)
	if pkt, _ := p.recv(); !bytes.Equal(pkt.Payload, bytesOf(0xFF, 160)) {
		t.Error("not silence after Stop")
	}
	s.Stop() // nothing playing: no-op

	third := s.Play([][]byte{pattern(1600, 0)})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !isClosed(third) {
		t.Error("Close left the playback channel open")
	}
	if !isClosed(s.Play([][]byte{pattern(10, 0)})) {
		t.Error("Play after Close returned an open channel")
	}
	if !isClosed(s.Play(nil)) {
		t.Error("Play(nil) returned an open channel")
	}
}

// TestPlayPausesOnHold: a held call keeps its place in the prompt.
func TestPlayPausesOnHold(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	clip := pattern(480, 0)
	done := s.Play([][]byte{clip})
	clock.tick(t)
	a, _ := p.recv()
	s.SetSending(false)
	clock.tick(t)
	clock.tick(t)
	s.SetSending(true)
	clock.tick(t)
	clock.tick(t)
	b, _ := p.recv()
	c, _ := p.recv()
	if got := append(append(a.Payload, b.Payload...), c.Payload...); !bytes.Equal(got, clip) {
		t.Error("playback did not resume where it paused")
	}
	if !closedWithin(done, wait) {
		t.Error("done not closed")
	}
}
