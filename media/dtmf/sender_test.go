package dtmf

import (
	"errors"
	"testing"
	"time"
)

func TestSenderSequence(t *testing.T) {
	var s Sender
	if _, _, ok := s.Next(); ok || s.Active() {
		t.Fatal("zero Sender is active")
	}
	if err := s.Start('7', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		end    bool
		dur    uint16
		marker bool
	}{
		{false, 160, true}, {false, 320, false}, {false, 480, false}, {false, 640, false},
		{true, 800, false}, {true, 800, false}, {true, 800, false},
	}
	for i, w := range want {
		ev, marker, ok := s.Next()
		if !ok {
			t.Fatalf("packet %d: sender done early", i)
		}
		if ev.Key != '7' || ev.End != w.end || ev.Duration != w.dur || marker != w.marker || ev.Volume != DefaultVolume {
			t.Errorf("packet %d = %+v marker %v, want end %v dur %d marker %v", i, ev, marker, w.end, w.dur, w.marker)
		}
	}
	if _, _, ok := s.Next(); ok || s.Active() {
		t.Error("sender still active after the end packets")
	}
	if n := Packets(100 * time.Millisecond); n != len(want) {
		t.Errorf("Packets(100ms) = %d, want %d", n, len(want))
	}
}

func TestSenderDurations(t *testing.T) {
	tests := []struct {
		d       time.Duration
		packets int
		err     error
	}{
		{0, 7, nil},                     // DefaultDuration
		{40 * time.Millisecond, 4, nil}, // 2 frames + 2 extra ends
		{45 * time.Millisecond, 5, nil}, // rounded up to 60 ms
		{MaxDuration, 402, nil},         // 400 frames
		{30 * time.Millisecond, 0, ErrDuration},
		{-time.Second, 0, ErrDuration},
		{9 * time.Second, 0, ErrDuration},
	}
	for _, tt := range tests {
		var s Sender
		err := s.Start('1', tt.d)
		if !errors.Is(err, tt.err) {
			t.Errorf("Start(%v) err = %v, want %v", tt.d, err, tt.err)
			continue
		}
		n := 0
		var last Event
		for {
			ev, _, ok := s.Next()
			if !ok {
				break
			}
			last = ev
			n++
		}
		if n != tt.packets || Packets(tt.d) != tt.packets {
			t.Errorf("Start(%v): %d packets, Packets = %d, want %d", tt.d, n, Packets(tt.d), tt.packets)
		}
		if n > 0 && !last.End {
			t.Errorf("Start(%v): last packet not an end", tt.d)
		}
	}
}

func TestSenderBadKeyAndStop(t *testing.T) {
	var s Sender
	if err := s.Start('x', 0); !errors.Is(err, ErrKey) {
		t.Errorf("Start('x') = %v, want ErrKey", err)
	}
	if err := s.Start('b', 0); err != nil {
		t.Fatal(err)
	}
	if ev, _, _ := s.Next(); ev.Key != 'B' {
		t.Errorf("key %q, want 'B'", ev.Key)
	}
	s.Stop()
	if s.Active() {
		t.Error("active after Stop")
	}
}

// TestSenderReceiver: what the Sender produces, a Receiver turns into one
// digit, even with the first packets lost.
func TestSenderReceiver(t *testing.T) {
	for lost := 0; lost < 7; lost++ {
		var s Sender
		var r Receiver
		_ = s.Start('#', 100*time.Millisecond)
		var got []byte
		for i := 0; ; i++ {
			ev, _, ok := s.Next()
			if !ok {
				break
			}
			if i < lost {
				continue
			}
			if k, ok := r.Packet(8000, uint16(i), ev); ok {
				got = append(got, k)
			}
		}
		if string(got) != "#" {
			t.Errorf("%d packets lost: digits %q", lost, got)
		}
	}
}
