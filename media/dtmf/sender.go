package dtmf

import (
	"errors"
	"fmt"
	"time"
)

// Sender timing. Durations are rounded up to whole 20 ms frames.
const (
	// DefaultDuration is the tone length Start uses for a zero duration.
	DefaultDuration = 100 * time.Millisecond
	// MinDuration is the shortest key press Start accepts (ITU-T Q.24
	// receivers need at least 40 ms).
	MinDuration = 40 * time.Millisecond
	// MaxDuration is the longest key press Start accepts: the duration
	// field must fit in 16 bits.
	MaxDuration = 8 * time.Second
	// DefaultVolume is the volume of sent events, in -dBm0.
	DefaultVolume = 10
	// EndPackets is how many times the final (end) packet is sent.
	EndPackets = 3

	frame = 20 * time.Millisecond
)

// ErrDuration reports a key press duration outside [MinDuration, MaxDuration].
var ErrDuration = errors.New("dtmf: duration out of range")

// Sender produces the RFC 4733 packet sequence of one key press, one packet
// per 20 ms frame: the first with the RTP marker bit, then one every frame
// with the duration growing by 160, then EndPackets end packets carrying
// the full duration. All packets of the press carry the same RTP timestamp
// (the media clock at the first packet), which the caller keeps; sequence
// numbers are the caller's too. The zero value is idle; a Sender is not safe
// for concurrent use.
type Sender struct {
	key    byte // key being sent
	frames int  // length of the tone in frames
	sent   int  // packets produced so far
}

// Start begins a key press of duration d (0 means DefaultDuration),
// replacing any press in progress. On error the Sender is unchanged.
func (s *Sender) Start(key byte, d time.Duration) error {
	if d == 0 {
		d = DefaultDuration
	}
	code, ok := Code(key)
	if !ok {
		return fmt.Errorf("%w: %q", ErrKey, key)
	}
	if d < MinDuration || d > MaxDuration {
		return fmt.Errorf("%w: %v not in [%v, %v]", ErrDuration, d, MinDuration, MaxDuration)
	}
	*s = Sender{key: Keys[code], frames: int((d + frame - 1) / frame)}
	return nil
}

// Active reports whether packets of a key press remain to be sent.
func (s *Sender) Active() bool { return s.frames > 0 && s.sent < s.frames+EndPackets-1 }

// Stop abandons the key press in progress without sending its end packets.
func (s *Sender) Stop() { *s = Sender{} }

// Packets returns the number of packets a key press of d produces (0 if d
// is out of range), i.e. how many 20 ms frames it occupies.
func Packets(d time.Duration) int {
	if d == 0 {
		d = DefaultDuration
	}
	if d < MinDuration || d > MaxDuration {
		return 0
	}
	return int((d+frame-1)/frame) + EndPackets - 1
}

// Next returns the event of the next packet and whether it carries the
// marker bit; ok is false when the key press is complete (or none was
// started).
func (s *Sender) Next() (ev Event, marker, ok bool) {
	if !s.Active() {
		return Event{}, false, false
	}
	s.sent++
	ev = Event{Key: s.key, Volume: DefaultVolume}
	if s.sent < s.frames {
		ev.Duration = uint16(s.sent * frameSamples)
	} else {
		ev.End = true
		ev.Duration = uint16(s.frames * frameSamples)
	}
	return ev, s.sent == 1, true
}
