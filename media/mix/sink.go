package mix

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/ivrbox/ivrbox/media/stream"
)

// MaxSinks is how many sinks one room may have at once.
const MaxSinks = 8

// Errors of AddSink.
var (
	// ErrClosed: the room is closed.
	ErrClosed = errors.New("mix: room closed")
	// ErrTooManySinks: the room has MaxSinks sinks.
	ErrTooManySinks = errors.New("mix: too many sinks")
)

var errBadSink = errors.New("mix: nil or incomparable sink")

// AddSink taps the room: from the next tick on, every tick hands s one
// frame of the whole room's mix (every member heard plus what Play
// queued, saturated, as a member who says nothing hears it): In holds it
// in µ-law (Codec PCMU, HasIn true), Out is silence (HasOut false), and
// Index counts the room's ticks. The frame is the room's and is reused;
// s must copy what it keeps, and, as it runs on the mixer's tick, must
// not block, lock or allocate (a stream.Tap does none of these). With
// AddSink and RemoveSink a *Room is a recorder's source
// (media/record.Attacher). Adding a sink twice does nothing. Errors:
// ErrClosed, ErrTooManySinks, a nil or incomparable sink.
func (r *Room) AddSink(s stream.Sink) error {
	if s == nil || !reflect.ValueOf(s).Comparable() {
		return fmt.Errorf("%w: %T", errBadSink, s)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return ErrClosed
	}
	old := r.sinkList()
	if slices.Contains(old, s) {
		return nil
	}
	if len(old) >= MaxSinks {
		return fmt.Errorf("%w (%d)", ErrTooManySinks, MaxSinks)
	}
	next := append(append(make([]stream.Sink, 0, len(old)+1), old...), s)
	r.sinks.Store(&next)
	return nil
}

// RemoveSink detaches s and returns once a tick under way has finished,
// so s gets no frame after it returns. It does nothing for a sink that is
// not attached, or on a closed room. Never call it from a sink's
// WriteFrame (it waits for the tick that runs it).
func (r *Room) RemoveSink(s stream.Sink) {
	r.mu.Lock()
	old := r.sinkList()
	if i := slices.Index(old, s); i >= 0 {
		var next []stream.Sink
		if len(old) > 1 {
			next = slices.Delete(slices.Clone(old), i, i+1)
		}
		r.setSinks(next)
	}
	r.mu.Unlock()
	r.e.tickMu.Lock() // wait for a tick that loaded the old list
	r.e.tickMu.Unlock()
}

// Sinks returns the number of sinks attached.
func (r *Room) Sinks() int { return len(r.sinkList()) }

// sinkList returns the sinks: an immutable slice, nil if none.
func (r *Room) sinkList() []stream.Sink {
	if p := r.sinks.Load(); p != nil {
		return *p
	}
	return nil
}

// setSinks publishes a new sink list; r.mu is held.
func (r *Room) setSinks(next []stream.Sink) {
	if len(next) == 0 {
		r.sinks.Store(nil)
		return
	}
	r.sinks.Store(&next)
}

// feed hands this tick's mix to the room's sinks; it runs on the tick,
// after the sum, and allocates nothing.
func (r *Room) feed() {
	ss := r.sinkList()
	if len(ss) == 0 {
		return
	}
	f := &r.tap
	f.Index = r.ticks
	f.Codec, f.HasIn, f.HasOut = stream.PCMU, true, false
	f.In = *r.commonEnc(stream.PCMU)
	for _, s := range ss {
		s.WriteFrame(f)
	}
}
