package stream

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/dtmf"
	"github.com/ivrbox/ivrbox/media/g711"
)

func TestSendDigit(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU, DTMFPT: 101})
	s.Play([][]byte{pattern(160*20, 0)})
	clock.tick(t)
	audio, _ := p.recv()
	if err := s.SendDigit('5', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.SendDigit('#', 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	n := dtmf.Packets(100*time.Millisecond) + digitGap + dtmf.Packets(60*time.Millisecond) + 1
	for range n {
		clock.tick(t)
	}
	type ev struct {
		key    byte
		end    bool
		dur    uint16
		marker bool
	}
	var events []ev
	var eventTS []uint32
	prev := audio
	clipOffset := 160
	for i := range n {
		pkt, _ := p.recv()
		if pkt.SequenceNumber != prev.SequenceNumber+1 {
			t.Fatalf("packet %d: seq %d after %d", i, pkt.SequenceNumber, prev.SequenceNumber)
		}
		prev = pkt
		switch pkt.PayloadType {
		case 101:
			e, err := dtmf.ParseEvent(pkt.Payload)
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, ev{e.Key, e.End, e.Duration, pkt.Marker})
			eventTS = append(eventTS, pkt.Timestamp)
		case 0:
			// Audio resumes where it paused.
			if want := pattern(160*20, 0)[clipOffset : clipOffset+160]; string(pkt.Payload) != string(want) {
				t.Errorf("packet %d: audio does not continue the clip", i)
			}
			clipOffset += 160
			if wantTS := audio.Timestamp + uint32(160*(i+1)); pkt.Timestamp != wantTS {
				t.Errorf("packet %d: audio ts %d, want %d", i, pkt.Timestamp, wantTS)
			}
		default:
			t.Fatalf("packet %d: payload type %d", i, pkt.PayloadType)
		}
	}
	want := []ev{
		{'5', false, 160, true}, {'5', false, 320, false}, {'5', false, 480, false}, {'5', false, 640, false},
		{'5', true, 800, false}, {'5', true, 800, false}, {'5', true, 800, false},
		{'#', false, 160, true}, {'#', false, 320, false},
		{'#', true, 480, false}, {'#', true, 480, false}, {'#', true, 480, false},
	}
	if !slices.Equal(events, want) {
		t.Errorf("events\n%v\nwant\n%v", events, want)
	}
	// One timestamp per digit: the media clock when it started.
	if eventTS[0] != audio.Timestamp+160 || eventTS[6] != eventTS[0] || eventTS[7] != audio.Timestamp+160*10 || eventTS[11] != eventTS[7] {
		t.Errorf("event timestamps %v (audio at %d)", eventTS, audio.Timestamp)
	}
}

func TestSendDigitErrors(t *testing.T) {
	e, _ := newTestEngine(t, 2)
	p := newPeer(t)
	s := openTo(t, e, p, Config{Codec: PCMU})
	if err := s.SendDigit('1', 0); !errors.Is(err, ErrNoDTMF) {
		t.Errorf("without DTMF PT: %v", err)
	}
	s.SetCodec(PCMU, 101)
	if err := s.SendDigit('x', 0); !errors.Is(err, dtmf.ErrKey) {
		t.Errorf("bad key: %v", err)
	}
	if err := s.SendDigit('1', time.Millisecond); !errors.Is(err, dtmf.ErrDuration) {
		t.Errorf("short: %v", err)
	}
	var err error
	for range maxDigits + 1 {
		err = s.SendDigit('1', 0)
	}
	if !errors.Is(err, ErrBusy) {
		t.Errorf("queue overflow: %v", err)
	}
	_ = s.Close()
	if err := s.SendDigit('1', 0); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestInbandIn(t *testing.T) {
	for _, codec := range []Codec{PCMU, PCMA} {
		t.Run(codec.String(), func(t *testing.T) {
			e, clock := newTestEngine(t, 2)
			p := newPeer(t)
			var got digits
			s := openTo(t, e, p, Config{Codec: codec, InbandDTMF: true, OnDigit: got.on})
			pcm := append(make([]int16, 320), dtmf.Tone('7', 100, 0.2)...)
			pcm = append(pcm, make([]int16, 480)...)
			pcm = append(pcm, dtmf.Tone('*', 100, 0.2)...)
			pcm = append(pcm, make([]int16, 320)...)
			frame := make([]byte, 160)
			for off := 0; off+160 <= len(pcm); off += 160 {
				if codec == PCMA {
					g711.EncodeALaw(frame, pcm[off:off+160])
				} else {
					g711.EncodeULaw(frame, pcm[off:off+160])
				}
				p.audio(s, uint8(codec), frame)
				clock.tick(t)
			}
			clock.settle(t)
			if keys := got.get(); !slices.Equal(keys, []string{"7:inband", "*:inband"}) {
				t.Errorf("digits %v", keys)
			}
		})
	}
}

// TestInbandQuietAfterEvents: a phone sending both RFC 4733 and tones
// gives each digit once.
func TestInbandQuietAfterEvents(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	var got digits
	s := openTo(t, e, p, Config{Codec: PCMU, DTMFPT: 101, InbandDTMF: true, OnDigit: got.on})
	p.audio(s, 0, bytesOf(0xFF, 160))
	p.pressKey(t, s, 101, '3')
	tone := dtmf.Tone('3', 100, 0.2)
	frame := make([]byte, 160)
	for off := 0; off+160 <= len(tone); off += 160 {
		g711.EncodeULaw(frame, tone[off:off+160])
		p.audio(s, 0, frame)
		clock.tick(t)
	}
	clock.settle(t)
	if keys := got.get(); !slices.Equal(keys, []string{"3:rfc4733"}) {
		t.Errorf("digits %v", keys)
	}
}

// TestBargeIn: OnDigit may call the stream (Stop) from the shard.
func TestBargeIn(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	p := newPeer(t)
	var s *Stream
	stopped := make(chan struct{}, 1)
	s = openTo(t, e, p, Config{Codec: PCMU, DTMFPT: 101, OnDigit: func(byte, string) {
		s.Stop()
		stopped <- struct{}{}
	}})
	done := s.Play([][]byte{pattern(160*100, 0)})
	p.audio(s, 0, bytesOf(0xFF, 160))
	p.pressKey(t, s, 101, '0')
	clock.tick(t)
	if !closedWithin(done, wait) || !closedWithin(stopped, wait) {
		t.Fatal("the key did not stop the prompt")
	}
}
