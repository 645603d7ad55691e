package stream

import (
	"errors"
	"fmt"
	"reflect"
)

// maxSinks is the most sinks one stream takes (a Bridge leg counts as one).
const maxSinks = 16

// Errors of sinks and sources (the exported ones are in errors.go).
var (
	errNilSink      = errors.New("stream: nil sink")
	errIncomparable = errors.New("stream: sink is not comparable (use a pointer)")
)

// sinkEntry is one attached sink; keys is the sink as a KeySink, or nil.
type sinkEntry struct {
	sink Sink
	keys KeySink
}

// sourceBox holds a Source for the atomic pointer; nil means none.
type sourceBox struct{ src Source }

func (b *sourceBox) get() Source {
	if b == nil {
		return nil
	}
	return b.src
}

func boxOf(src Source) *sourceBox {
	if src == nil {
		return nil
	}
	return &sourceBox{src}
}

// AddSink attaches snk to the stream: from the next frame on it gets one
// Frame per frame of the stream's clock (see Frame), and, if it is a
// KeySink, every key the stream hears. Adding a sink already attached does
// nothing. The sink must be comparable (a pointer, typically). The error
// wraps ErrTooManySinks when 16 are attached and ErrClosed after Close.
func (s *Stream) AddSink(snk Sink) error {
	if snk == nil {
		return fmt.Errorf("stream: add sink: %w", errNilSink)
	}
	if !reflect.ValueOf(snk).Comparable() {
		return fmt.Errorf("stream: add sink: %w: %T", errIncomparable, snk)
	}
	s.sinkMu.Lock()
	defer s.sinkMu.Unlock()
	if s.closed.Load() {
		return fmt.Errorf("stream: add sink: %w", ErrClosed)
	}
	old := s.sinkList()
	if indexSink(old, snk) >= 0 {
		return nil
	}
	if len(old) >= maxSinks {
		return fmt.Errorf("stream: add sink: %w (%d)", ErrTooManySinks, maxSinks)
	}
	e := sinkEntry{sink: snk}
	e.keys, _ = snk.(KeySink)
	next := append(append(make([]sinkEntry, 0, len(old)+1), old...), e)
	s.sinks.Store(&next)
	return nil
}

// RemoveSink detaches snk and returns once no tick can call it any more
// (a call under way has finished). Removing a sink that is not attached
// does nothing. It must not be called from a Sink's or Source's own
// methods, which run while the stream waits for them.
func (s *Stream) RemoveSink(snk Sink) {
	s.sinkMu.Lock()
	old := s.sinkList()
	if i := indexSink(old, snk); i >= 0 {
		next := append(append(make([]sinkEntry, 0, len(old)-1), old[:i]...), old[i+1:]...)
		s.sinks.Store(&next)
	}
	s.sinkMu.Unlock()
	s.waitTick()
}

// removeSinks detaches every sink (Close) and returns them.
func (s *Stream) removeSinks() []sinkEntry {
	s.sinkMu.Lock()
	defer s.sinkMu.Unlock()
	old := s.sinkList()
	s.sinks.Store(nil)
	return old
}

// sinkList returns the attached sinks: an immutable slice, nil if none.
func (s *Stream) sinkList() []sinkEntry {
	if p := s.sinks.Load(); p != nil {
		return *p
	}
	return nil
}

func indexSink(list []sinkEntry, snk Sink) int {
	for i, e := range list {
		if same(e.sink, snk) {
			return i
		}
	}
	return -1
}

// Source returns the stream's source; nil while it sends its own playback.
func (s *Stream) Source() Source { return s.source.Load().get() }

// SetSource makes src what the stream sends from the next frame on and
// returns the source it replaces; nil means the stream's own playback
// (Play). While a source is set, the stream sends what it reads (silence
// when ReadFrame returns false) and its playback pauses, to resume where
// it was when the source is removed; SendDigit still works, its events
// taking the place of the source's audio. SetSource returns once no tick
// can read the previous source any more; like RemoveSink, it must not be
// called from a Sink's or Source's own methods.
func (s *Stream) SetSource(src Source) (prev Source) {
	prev = s.source.Swap(boxOf(src)).get()
	s.waitTick()
	return prev
}

// CompareAndSwapSource sets the source to new only if it is old (nil: the
// stream's own playback), so that an owner restores only its own, and
// reports whether it did. Sources are compared with ==; a source that is
// not comparable never matches. On success it returns, like SetSource,
// once no tick can read old any more.
func (s *Stream) CompareAndSwapSource(old, new Source) bool {
	for {
		cur := s.source.Load()
		if !same(cur.get(), old) {
			return false
		}
		if s.source.CompareAndSwap(cur, boxOf(new)) {
			s.waitTick()
			return true
		}
	}
}

// waitTick waits for a tick under way, which may still use a sink or
// source it loaded before a change: a tick holds s.io while it uses them.
func (s *Stream) waitTick() {
	s.io.Lock()
	s.io.Unlock() // empty on purpose: taking the lock is the wait
}

// same reports whether a and b are equal, without the panic of == on
// values that are not comparable (which are never equal here).
func same(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.ValueOf(a).Comparable() && reflect.ValueOf(b).Comparable() && a == b
}

// tap hands this frame to the sinks: what was sent (sent: the audio in
// m.tap.Out went out) and the next frame of the playout buffer.
func (s *Stream) tap(sinks []sinkEntry, sent bool) {
	m := &s.media
	f := &m.tap
	f.Index, f.Codec, f.HasOut = m.index, m.codec, sent
	if !sent {
		fillSilence(f.Out[:], m.codec)
	}
	f.HasIn = m.playIn(f.In[:], m.codec)
	for _, e := range sinks {
		e.sink.WriteFrame(f)
	}
}

// tellKeys passes the keys heard this tick to the sinks that want them.
func (s *Stream) tellKeys(sinks []sinkEntry) {
	m := &s.media
	for i := range m.nkeys {
		k := m.keys[i]
		for _, e := range sinks {
			if e.keys != nil {
				e.keys.Key(k.key, k.source)
			}
		}
	}
}
