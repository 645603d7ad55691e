package record

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Defaults used when Options leave a field zero.
const (
	// DefaultDir is the recordings folder, relative to the working
	// directory, when Options.Dir is empty.
	DefaultDir = "recordings"
	// DefaultWriters is the number of writer goroutines.
	DefaultWriters = 2
	// DefaultDrainEvery is how often the writers empty the taps.
	DefaultDrainEvery = 100 * time.Millisecond
	// DefaultFlushEvery is how much audio a file buffers between writes.
	DefaultFlushEvery = time.Second
)

// Options configure a Recorder. The zero value works: recordings in
// DefaultDir, no storage limit, two writers, real time, no logging.
type Options struct {
	// Dir is the root of the recordings, created if missing (mode 0700;
	// files are 0600); empty means DefaultDir.
	Dir string
	// MaxBytes limits the bytes of all files under Dir: the recordings and
	// whatever New found there. When a write would pass it, every active
	// recording stops with ReasonStorageFull and Start gives ErrFull until
	// Delete brings the usage back under it. 0 means no limit.
	MaxBytes int64
	// Writers is the number of writer goroutines that drain the taps and
	// write the files; 0 means DefaultWriters. Each recording is served by
	// one writer.
	Writers int
	// DrainEvery is how often a writer empties its recordings' taps; 0
	// means DefaultDrainEvery. A tap's ring holds four periods, and at
	// least one second, of frames: a writer that falls further behind (a
	// disk that stalls) makes the stream drop frames, which the recording
	// fills with silence.
	DrainEvery time.Duration
	// FlushEvery is how much audio each file buffers in memory before it is
	// written and its header rewritten (about 16 KB a second for a mono
	// file, 32 KB for stereo); 0 means DefaultFlushEvery. It is counted in
	// audio, which a stream delivers in real time.
	FlushEvery time.Duration
	// Clock gives the time of the file names (the date folder of the day
	// Start is called, in the clock's location) and of Result.Start and End, and the writers' drain tickers; nil means the
	// real clock. Tests inject one to tick the writers by hand.
	Clock Clock
	// Log receives the recorder's diagnostics; nil discards them.
	Log *slog.Logger
	// OnFinish, if set, is called with the Result of every recording once
	// its files are final (after Done is closed), one at a time from a
	// goroutine of the Recorder: never from a shard nor a writer. It may
	// block for a while (publishing an event) without delaying any
	// recording, but it must not call Close. A panic in it is recovered
	// and logged.
	OnFinish func(Result)
	// Create, if set, replaces how a recording creates each of its files:
	// rel is the file's path relative to Dir, slash-separated (its folder
	// exists). The file must be new, and must be reachable at rel for the
	// rename to the final name. It exists for tests, to inject write
	// failures. nil creates the file in Dir through os.Root, exclusively,
	// mode 0600.
	Create func(rel string) (Output, error)
	// Blocking, if set, runs fn, which waits for the disk (a file's fsync
	// when it is sealed), so that the caller can keep the rest of the
	// process running meanwhile: the box passes a function that lends the
	// Go runtime a processor while fn runs. nil runs fn as it is.
	Blocking func(fn func())
}

// Clock is the time source of a Recorder. A stream.Clock satisfies it.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTicker returns a channel that delivers the time every d, and a
	// function that stops it.
	NewTicker(d time.Duration) (<-chan time.Time, func())
}

// Output is a file a recording writes: audio and header at explicit
// offsets (pwrite). *os.File satisfies it.
type Output interface {
	io.WriterAt
	// Sync commits the file to stable storage.
	Sync() error
	// Close closes the file.
	Close() error
}

// realClock is the Clock of the real world.
type realClock struct{}

// Now returns time.Now().
func (realClock) Now() time.Time { return time.Now() }

// NewTicker wraps time.NewTicker.
func (realClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// withDefaults validates o and fills in its zero values.
func (o Options) withDefaults() (Options, error) {
	if o.MaxBytes < 0 || o.Writers < 0 || o.DrainEvery < 0 || o.FlushEvery < 0 {
		return o, fmt.Errorf("%w: negative MaxBytes, Writers, DrainEvery or FlushEvery", errOptions)
	}
	if o.Dir == "" {
		o.Dir = DefaultDir
	}
	if o.Writers == 0 {
		o.Writers = DefaultWriters
	}
	if o.DrainEvery == 0 {
		o.DrainEvery = DefaultDrainEvery
	}
	if o.FlushEvery == 0 {
		o.FlushEvery = DefaultFlushEvery
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Blocking == nil {
		o.Blocking = func(fn func()) { fn() }
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// ringFrames returns the size of a tap's ring for the drain period d: four
// periods, at least one second.
func ringFrames(d time.Duration) int {
	return max(int(4*d/frameDur)+1, framesPerSecond)
}

// flushFrames returns how many frames a file buffers for the flush period d.
func flushFrames(d time.Duration) int {
	return max(int(d/frameDur), 1)
}
