package hal

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Gesture is what a [Watcher] saw a button do.
type Gesture int

// The gestures. A hold reports Down, then Warn and Long while still held,
// and exactly one of Short, Cancel or Release when it ends.
const (
	// Down: the button went down (debounced).
	Down Gesture = iota + 1
	// Short: released before the warning: a short press.
	Short
	// Warn: held for WarnAfter; a long press is coming (give feedback).
	Warn
	// Cancel: released after Warn but before Long: the long press is off.
	Cancel
	// Long: held for LongAfter. Reported while the button is still down.
	Long
	// Release: released after Long.
	Release
)

var gestureNames = map[Gesture]string{Down: "down", Short: "short", Warn: "warn",
	Cancel: "cancel", Long: "long", Release: "release"}

// String names the gesture ("short").
func (g Gesture) String() string {
	if s, ok := gestureNames[g]; ok {
		return s
	}
	return fmt.Sprintf("gesture(%d)", int(g))
}

// Event is one gesture of one button.
type Event struct {
	Button  string
	Gesture Gesture
	// Held is how long the button had been down (0 for Down).
	Held time.Duration
}

// Defaults for WatcherOptions.
const (
	DefaultDebounce  = 30 * time.Millisecond
	DefaultWarnAfter = 3 * time.Second
	DefaultLongAfter = 10 * time.Second
)

// WatcherOptions configures a [Watcher]. Zero values mean the defaults.
type WatcherOptions struct {
	// Debounce is how long the level must stay still to count (30 ms).
	Debounce time.Duration
	// WarnAfter is when a hold reports Warn (3 s); negative: never.
	WarnAfter time.Duration
	// LongAfter is when a hold reports Long (10 s).
	LongAfter time.Duration
	// Clock times everything; nil means the system clock.
	Clock Clock
	// Log receives panics recovered from On; nil discards.
	Log *slog.Logger
	// On receives the events, on the watcher's goroutine, in order. It must
	// return quickly and must not call Close. nil drops the events.
	On func(Event)
}

// Watcher turns one button's raw edges into gestures from one goroutine,
// started by NewWatcher and stopped by Close. A button that is already down
// when the watcher starts is ignored until it is released, so a stuck
// button or a hold through boot never triggers anything.
type Watcher struct {
	btn  Button
	opt  WatcherOptions
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	// Owned by the goroutine.
	stable   bool      // debounced level
	ignore   bool      // down since start: wait for release
	settleAt time.Time // when the level counts as still; zero: not bouncing
	downAt   time.Time // when the current hold began
	warned   bool
	longDone bool
	timer    Timer
	timerAt  time.Time
}

// NewWatcher starts watching b.
func NewWatcher(b Button, opt WatcherOptions) *Watcher {
	if opt.Debounce <= 0 {
		opt.Debounce = DefaultDebounce
	}
	if opt.WarnAfter == 0 {
		opt.WarnAfter = DefaultWarnAfter
	}
	if opt.LongAfter <= 0 {
		opt.LongAfter = DefaultLongAfter
	}
	if opt.WarnAfter >= opt.LongAfter {
		opt.WarnAfter = -1
	}
	opt.Clock = clockOr(opt.Clock)
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{btn: b, opt: opt, done: make(chan struct{})}
	w.stable = b.Pressed()
	w.ignore = w.stable
	w.wg.Add(1)
	go w.run()
	return w
}

// Close stops the watcher; it is idempotent and returns once the goroutine
// has ended. A hold in progress reports nothing more.
func (w *Watcher) Close() error {
	w.once.Do(func() {
		close(w.done)
		w.wg.Wait()
	})
	return nil
}

func (w *Watcher) run() {
	defer w.wg.Done()
	defer w.disarm()
	edges := w.btn.Edges()
	for {
		var tick <-chan time.Time
		if w.timer != nil {
			tick = w.timer.C()
		}
		select {
		case <-w.done:
			return
		case _, ok := <-edges:
			if !ok {
				edges = nil
				continue
			}
			w.settleAt = w.opt.Clock.Now().Add(w.opt.Debounce)
		case <-tick:
			w.timer = nil
		}
		w.step(w.opt.Clock.Now())
		w.arm()
	}
}

// step handles every deadline that has passed by now.
func (w *Watcher) step(now time.Time) {
	if !w.settleAt.IsZero() && !now.Before(w.settleAt) {
		w.settleAt = time.Time{}
		if lvl := w.btn.Pressed(); lvl != w.stable {
			w.stable = lvl
			w.changed(now)
		}
	}
	if !w.stable || w.ignore {
		return
	}
	held := now.Sub(w.downAt)
	if !w.warned && w.opt.WarnAfter > 0 && held >= w.opt.WarnAfter {
		w.warned = true
		w.emit(Warn, held)
	}
	if !w.longDone && held >= w.opt.LongAfter {
		w.longDone = true
		w.emit(Long, held)
	}
}

// changed handles a debounced change of level.
func (w *Watcher) changed(now time.Time) {
	if w.stable {
		w.downAt, w.warned, w.longDone = now, false, false
		w.emit(Down, 0)
		return
	}
	if w.ignore {
		w.ignore = false
		return
	}
	held := now.Sub(w.downAt)
	switch {
	case w.longDone:
		w.emit(Release, held)
	case w.warned:
		w.emit(Cancel, held)
	default:
		w.emit(Short, held)
	}
}

// next is the earliest pending deadline, zero when nothing is pending.
func (w *Watcher) next() time.Time {
	var at time.Time
	earliest := func(t time.Time) {
		if at.IsZero() || t.Before(at) {
			at = t
		}
	}
	if !w.settleAt.IsZero() {
		earliest(w.settleAt)
	}
	if w.stable && !w.ignore {
		if !w.warned && w.opt.WarnAfter > 0 {
			earliest(w.downAt.Add(w.opt.WarnAfter))
		}
		if !w.longDone {
			earliest(w.downAt.Add(w.opt.LongAfter))
		}
	}
	return at
}

// arm keeps exactly one timer, for the next deadline.
func (w *Watcher) arm() {
	at := w.next()
	if w.timer != nil && at.Equal(w.timerAt) {
		return
	}
	w.disarm()
	if at.IsZero() {
		return
	}
	w.timer, w.timerAt = w.opt.Clock.NewTimer(at.Sub(w.opt.Clock.Now())), at
}

func (w *Watcher) disarm() {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
}

// emit calls On, recovering a panic so the watcher survives it.
func (w *Watcher) emit(g Gesture, held time.Duration) {
	if w.opt.On == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			w.opt.Log.Error("button handler panicked", "button", w.btn.Name(), "gesture", g, "panic", r)
		}
	}()
	w.opt.On(Event{Button: w.btn.Name(), Gesture: g, Held: held})
}
