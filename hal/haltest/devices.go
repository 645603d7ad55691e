package haltest

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/hal"
)

// Change is one recorded LED write.
type Change struct {
	At time.Duration // since Epoch, on the LED's clock
	On bool
}

// LED is a [hal.LED] that records every write with the time on its clock.
type LED struct {
	name  string
	clock hal.Clock

	mu      sync.Mutex // guards the fields below
	on      bool
	pattern string
	changes []Change
	fail    error
	wake    chan struct{}
}

var (
	_ hal.LED          = (*LED)(nil)
	_ hal.PatternAware = (*LED)(nil)
)

// NewLED returns a recording LED; clock stamps the writes (nil: no times).
func NewLED(name string, clock hal.Clock) *LED {
	return &LED{name: name, clock: clock, wake: make(chan struct{})}
}

// Name implements hal.LED.
func (l *LED) Name() string { return l.name }

// Set implements hal.LED; it fails with the error given to Fail.
func (l *LED) Set(on bool) error {
	var at time.Duration
	if l.clock != nil {
		at = l.clock.Now().Sub(Epoch)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	l.on = on
	l.changes = append(l.changes, Change{At: at, On: on})
	close(l.wake)
	l.wake = make(chan struct{})
	return nil
}

// SetPattern implements hal.PatternAware.
func (l *LED) SetPattern(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pattern = name
	close(l.wake)
	l.wake = make(chan struct{})
}

// Fail makes the following writes fail with err (nil: succeed again).
func (l *LED) Fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fail = err
}

// On is the level last written.
func (l *LED) On() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.on
}

// PatternName is the pattern last announced by a Blinker.
func (l *LED) PatternName() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pattern
}

// Changes returns the writes so far.
func (l *LED) Changes() []Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Change(nil), l.changes...)
}

// WaitChanges waits until at least n writes were recorded.
func (l *LED) WaitChanges(n int) bool {
	return l.wait(func() bool { return len(l.changes) >= n })
}

// WaitPattern waits until the LED was told it shows pattern name.
func (l *LED) WaitPattern(name string) bool {
	return l.wait(func() bool { return l.pattern == name })
}

func (l *LED) wait(cond func() bool) bool {
	return waitFor(&l.mu, cond, func() <-chan struct{} { return l.wake })
}

// Button is a [hal.Button] whose level the test sets.
type Button struct {
	name  string
	edges chan struct{}

	mu      sync.Mutex // guards pressed, reads, wake
	pressed bool
	reads   int
	wake    chan struct{}
}

var _ hal.Button = (*Button)(nil)

// NewButton returns a released button.
func NewButton(name string) *Button {
	return &Button{name: name, edges: make(chan struct{}, 1), wake: make(chan struct{})}
}

// Name implements hal.Button.
func (b *Button) Name() string { return b.name }

// Pressed implements hal.Button.
func (b *Button) Pressed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reads++
	close(b.wake)
	b.wake = make(chan struct{})
	return b.pressed
}

// Reads counts the calls of Pressed so far.
func (b *Button) Reads() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reads
}

// WaitReads waits until Pressed has been called at least n times: a
// watcher has then sampled the level, and the test may change it again.
func (b *Button) WaitReads(n int) bool {
	return waitFor(&b.mu, func() bool { return b.reads >= n }, func() <-chan struct{} { return b.wake })
}

// Edges implements hal.Button.
func (b *Button) Edges() <-chan struct{} { return b.edges }

// Set changes the level and signals an edge, coalesced like a driver's
// edges. Tests on a fake clock then wait for the watcher's debounce timer
// (Clock.WaitNext) before advancing.
func (b *Button) Set(pressed bool) {
	b.mu.Lock()
	b.pressed = pressed
	b.mu.Unlock()
	select {
	case b.edges <- struct{}{}:
	default:
	}
}

// ErrFake is a ready-made error for LED.Fail.
var ErrFake = errors.New("haltest: injected failure")

// CheckGoroutines records the goroutine count and returns a function that
// fails t when, after a grace period, more goroutines are running. Use it as
// defer haltest.CheckGoroutines(t)() in tests that are not parallel.
func CheckGoroutines(t testing.TB) func() {
	t.Helper()
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(WaitTimeout)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
