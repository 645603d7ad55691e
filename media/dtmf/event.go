package dtmf

import (
	"errors"
	"fmt"
)

// Keys lists the 16 DTMF keys in RFC 4733 event-code order: event code i is
// Keys[i].
const Keys = "0123456789*#ABCD"

// EventSize is the size of a telephone-event payload.
const EventSize = 4

// MaxVolume is the largest volume (attenuation in -dBm0) an Event can carry.
const MaxVolume = 63

// Errors returned by ParseEvent and Event.MarshalTo; test with errors.Is.
var (
	// ErrShort reports a payload or buffer shorter than EventSize.
	ErrShort = errors.New("dtmf: telephone-event shorter than 4 bytes")
	// ErrEventCode reports an event code that is not a DTMF key (16 and up:
	// flash hook, modem and fax tones, ...).
	ErrEventCode = errors.New("dtmf: telephone-event code is not a DTMF key")
	// ErrKey reports a key that is not one of Keys.
	ErrKey = errors.New("dtmf: not a DTMF key")
	// ErrVolume reports a volume above MaxVolume.
	ErrVolume = errors.New("dtmf: volume above 63")
)

// Parse errors are built once so that ParseEvent can say what it saw
// without allocating on the packet path.
var (
	shortErrs [EventSize]error
	codeErrs  [256 - len(Keys)]error
)

func init() {
	for n := range shortErrs {
		shortErrs[n] = fmt.Errorf("%w: got %d", ErrShort, n)
	}
	for i := range codeErrs {
		codeErrs[i] = fmt.Errorf("%w: code %d", ErrEventCode, i+len(Keys))
	}
}

// Event is one RFC 4733 telephone-event payload carrying a DTMF key.
type Event struct {
	// Key is the key: one of Keys ('0'-'9', '*', '#', 'A'-'D').
	Key byte
	// End is set on the final packets of the event.
	End bool
	// Volume is the power level in -dBm0 (0 is loudest, 63 the quietest).
	Volume uint8
	// Duration is the event's duration so far, in RTP timestamp units
	// (samples at 8 kHz), counted from the event's RTP timestamp.
	Duration uint16
}

// ParseEvent parses a telephone-event payload. Bytes after the first
// EventSize are ignored. It fails with ErrShort for a payload shorter than
// EventSize and with ErrEventCode for an event that is not a DTMF key.
func ParseEvent(payload []byte) (Event, error) {
	if len(payload) < EventSize {
		return Event{}, shortErrs[len(payload)]
	}
	code := payload[0]
	if int(code) >= len(Keys) {
		return Event{}, codeErrs[int(code)-len(Keys)]
	}
	return Event{
		Key:      Keys[code],
		End:      payload[1]&0x80 != 0,
		Volume:   payload[1] & 0x3F,
		Duration: uint16(payload[2])<<8 | uint16(payload[3]),
	}, nil
}

// MarshalTo writes e into b as a telephone-event payload and returns
// EventSize. Lower-case 'a'-'d' are accepted for 'A'-'D'.
func (e Event) MarshalTo(b []byte) (int, error) {
	if len(b) < EventSize {
		return 0, fmt.Errorf("%w: buffer of %d", ErrShort, len(b))
	}
	code, ok := Code(e.Key)
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrKey, e.Key)
	}
	if e.Volume > MaxVolume {
		return 0, fmt.Errorf("%w: %d", ErrVolume, e.Volume)
	}
	b[0] = code
	b[1] = e.Volume
	if e.End {
		b[1] |= 0x80
	}
	b[2] = byte(e.Duration >> 8)
	b[3] = byte(e.Duration)
	return EventSize, nil
}

// Code returns the RFC 4733 event code of key and whether key is a DTMF key.
// Lower-case 'a'-'d' are accepted for 'A'-'D'.
func Code(key byte) (uint8, bool) {
	switch {
	case key >= '0' && key <= '9':
		return key - '0', true
	case key == '*':
		return 10, true
	case key == '#':
		return 11, true
	case key >= 'A' && key <= 'D':
		return key - 'A' + 12, true
	case key >= 'a' && key <= 'd':
		return key - 'a' + 12, true
	}
	return 0, false
}
