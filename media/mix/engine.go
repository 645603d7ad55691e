package mix

import (
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	// DefaultTick is the mixing period: one frame of every member per tick.
	DefaultTick = 20 * time.Millisecond
	// DefaultTalkLevel is the RMS level (of a full scale of 32767) over
	// which a frame counts as talking: about -36 dBFS, above the noise of
	// a quiet line and below soft speech.
	DefaultTalkLevel = 500
	// DefaultHangover is how long a member stays Talking after its last
	// frame over the level, so pauses between words do not count.
	DefaultHangover = 300 * time.Millisecond
	// maxCatchUp is the most ticks run at once after the ticker was late;
	// beyond it the schedule restarts from now.
	maxCatchUp = 3
)

// Options configure an Engine. The zero value is usable.
type Options struct {
	// Log receives the engine's debug messages; nil discards them.
	Log *slog.Logger
	// Tick is the mixing period; 0 means DefaultTick (20 ms, the frame
	// length of the streams, which it must equal in production).
	Tick time.Duration
	// Manual, when set, starts no goroutine: the owner calls Tick, one
	// frame at a time (tests, or a caller with its own clock).
	Manual bool
	// TalkLevel is the RMS level over which a frame counts as talking
	// (Member.Talking); 0 means DefaultTalkLevel.
	TalkLevel int
	// Hangover is how long a member stays talking after its last loud
	// frame; 0 means DefaultHangover.
	Hangover time.Duration
}

// Engine mixes every room it made on one ticker goroutine. Its methods
// are safe for concurrent use.
type Engine struct {
	log        *slog.Logger
	period     time.Duration
	talkEnergy int64 // energy of a frame at TalkLevel
	hangover   int   // Hangover in ticks

	rooms  atomic.Pointer[[]*Room] // copy-on-write; nil when none
	mu     sync.Mutex              // serialises changes to rooms
	tickMu sync.Mutex              // serialises Tick; held only by it
	ticks  atomic.Uint64

	stop      chan struct{}
	done      chan struct{}
	idle      chan struct{} // wakes the ticker when it sleeps with no room (idle.go)
	closeOnce sync.Once

	afterRoom func(*Room) // test hook: runs in Tick after each room; nil in production
}

// New returns an engine, ticking unless opts.Manual is set. Close stops it.
func New(opts Options) *Engine {
	e := &Engine{
		log:    opts.Log,
		period: opts.Tick,
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		idle:   make(chan struct{}, 1),
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.period <= 0 {
		e.period = DefaultTick
	}
	level := int64(opts.TalkLevel)
	if level <= 0 {
		level = DefaultTalkLevel
	}
	e.talkEnergy = level * level * frameSamples
	hang := opts.Hangover
	if hang <= 0 {
		hang = DefaultHangover
	}
	e.hangover = max(1, int((hang+e.period-1)/e.period))
	if opts.Manual {
		close(e.done)
		return e
	}
	go e.run()
	e.log.Debug("mixer started", "tick", e.period)
	return e
}

// Close stops the ticker and returns once it has stopped; it is
// idempotent and returns nil. Rooms are left as they are (their owners
// close them); they are no longer mixed.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		close(e.stop)
		<-e.done
		e.log.Debug("mixer stopped", "ticks", e.ticks.Load())
	})
	return nil
}

// NewRoom returns an empty room, mixed from the next tick on.
func (e *Engine) NewRoom() *Room {
	r := newRoom(e)
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.list()
	next := append(append(make([]*Room, 0, len(old)+1), old...), r)
	e.rooms.Store(&next)
	e.wakeIdle()
	return r
}

// Rooms returns the number of rooms open.
func (e *Engine) Rooms() int { return len(e.list()) }

// Ticks returns the number of ticks run.
func (e *Engine) Ticks() uint64 { return e.ticks.Load() }

// Tick mixes one frame of every room: it takes one frame from each
// member's input ring and writes one to each member's output ring. The
// engine's goroutine calls it every Options.Tick; with Options.Manual the
// owner does. Calls are serialised. It never allocates.
func (e *Engine) Tick() {
	e.tickMu.Lock()
	defer e.tickMu.Unlock()
	for _, r := range e.list() {
		r.mix(e.hangover)
		if e.afterRoom != nil {
			e.afterRoom(r)
		}
	}
	e.ticks.Add(1)
}

// run is the ticker goroutine: it paces ticks by the clock, running the
// ones a late wake-up missed (up to maxCatchUp), so the long-run rate
// matches the streams' 50 frames a second.
func (e *Engine) run() {
	defer close(e.done)
	next := time.Now().Add(e.period) // before the ticker, so no wake-up comes before it
	t := time.NewTicker(e.period)
	defer t.Stop()
	for {
		if slept, stopped, now := e.sleepIdle(t); stopped {
			return
		} else if slept {
			next = now.Add(e.period)
			continue
		}
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			n := 0
			for ; !now.Before(next) && n < maxCatchUp; n++ {
				e.Tick()
				next = next.Add(e.period)
			}
			if !now.Before(next) {
				next = now.Add(e.period) // too far behind: start over
			}
		}
	}
}

// drop takes a closed room off the tick.
func (e *Engine) drop(r *Room) {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.list()
	i := slices.Index(old, r)
	if i < 0 {
		return
	}
	var next []*Room
	if len(old) > 1 {
		next = slices.Delete(slices.Clone(old), i, i+1)
	}
	if len(next) == 0 {
		e.rooms.Store(nil)
		return
	}
	e.rooms.Store(&next)
}

// list returns the rooms: an immutable slice, nil if none.
func (e *Engine) list() []*Room {
	if p := e.rooms.Load(); p != nil {
		return *p
	}
	return nil
}
