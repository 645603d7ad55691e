package dtmf

import (
	"errors"
	"testing"
)

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    Event
		err     error
	}{
		{"digit 5 start", []byte{5, 10, 0x00, 0xA0}, Event{Key: '5', Volume: 10, Duration: 160}, nil},
		{"star end", []byte{10, 0x80 | 7, 0x03, 0x20}, Event{Key: '*', End: true, Volume: 7, Duration: 800}, nil},
		{"hash", []byte{11, 0, 0, 0}, Event{Key: '#'}, nil},
		{"D with reserved bit", []byte{15, 0x40 | 63, 0xFF, 0xFF}, Event{Key: 'D', Volume: 63, Duration: 0xFFFF}, nil},
		{"trailing bytes ignored", []byte{0, 0x8A, 0, 160, 1, 2, 3}, Event{Key: '0', End: true, Volume: 10, Duration: 160}, nil},
		{"empty", nil, Event{}, ErrShort},
		{"three bytes", []byte{1, 2, 3}, Event{}, ErrShort},
		{"flash hook", []byte{16, 10, 0, 160}, Event{}, ErrEventCode},
		{"code 255", []byte{255, 10, 0, 160}, Event{}, ErrEventCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEvent(tt.payload)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseEventErrorText(t *testing.T) {
	_, err := ParseEvent([]byte{1, 2})
	if err == nil || err.Error() != "dtmf: telephone-event shorter than 4 bytes: got 2" {
		t.Errorf("short error = %v", err)
	}
	_, err = ParseEvent([]byte{16, 0, 0, 0})
	if err == nil || err.Error() != "dtmf: telephone-event code is not a DTMF key: code 16" {
		t.Errorf("code error = %v", err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	for i := range len(Keys) {
		for _, end := range []bool{false, true} {
			ev := Event{Key: Keys[i], End: end, Volume: uint8(i * 4), Duration: uint16(i * 1000)}
			var b [EventSize]byte
			n, err := ev.MarshalTo(b[:])
			if err != nil || n != EventSize {
				t.Fatalf("MarshalTo(%+v) = %d, %v", ev, n, err)
			}
			if int(b[0]) != i {
				t.Errorf("%c: event code %d, want %d", ev.Key, b[0], i)
			}
			got, err := ParseEvent(b[:])
			if err != nil || got != ev {
				t.Errorf("round trip %+v -> %x -> %+v, %v", ev, b, got, err)
			}
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		buf  int
		err  error
	}{
		{"short buffer", Event{Key: '1'}, 3, ErrShort},
		{"bad key", Event{Key: 'x'}, 4, ErrKey},
		{"zero key", Event{}, 4, ErrKey},
		{"loud volume", Event{Key: '1', Volume: 64}, 4, ErrVolume},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.ev.MarshalTo(make([]byte, tt.buf)); !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestMarshalLowerCase(t *testing.T) {
	var b [4]byte
	if _, err := (Event{Key: 'c'}).MarshalTo(b[:]); err != nil || b[0] != 14 {
		t.Errorf("'c' -> code %d, %v; want 14", b[0], err)
	}
}

func TestCodeAndFreqs(t *testing.T) {
	for i := range len(Keys) {
		code, ok := Code(Keys[i])
		if !ok || int(code) != i {
			t.Errorf("Code(%c) = %d, %v", Keys[i], code, ok)
		}
		low, high, ok := Freqs(Keys[i])
		if !ok || low < 690 || low > 950 || high < 1200 || high > 1640 {
			t.Errorf("Freqs(%c) = %v, %v, %v", Keys[i], low, high, ok)
		}
	}
	for _, k := range []byte("xE!\x00") {
		if _, ok := Code(k); ok {
			t.Errorf("Code(%q) ok", k)
		}
		if _, _, ok := Freqs(k); ok {
			t.Errorf("Freqs(%q) ok", k)
		}
	}
	if l, h, _ := Freqs('5'); l != 770 || h != 1336 {
		t.Errorf("Freqs('5') = %v, %v; want 770, 1336", l, h)
	}
}
