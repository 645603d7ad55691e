package sim

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/hal"
)

// Name is the driver's registry name.
const Name = "sim"

// MaxPress is the longest press Press accepts.
const MaxPress = time.Minute

// DefaultPress is the length of a press given as 0: a short tap.
const DefaultPress = 200 * time.Millisecond

var (
	// ErrUnknown reports a button name the board does not have.
	ErrUnknown = errors.New("sim: no such button")
	// ErrBusy reports a press of a button that is already down.
	ErrBusy = errors.New("sim: button already pressed")
	// ErrDuration reports a press length out of range.
	ErrDuration = errors.New("sim: bad press duration")
	// ErrClosed reports a press after Close.
	ErrClosed = errors.New("sim: board closed")
)

// LEDState is what one simulated LED shows.
type LEDState = hal.LEDState

func init() {
	// The only possible error is a duplicate name; "sim" is unique.
	_ = hal.Register(driver{})
}

// driver implements hal.Driver.
type driver struct{}

func (driver) Name() string { return Name }

func (driver) Open(cfg hal.Config) (*hal.Devices, error) {
	opt := Options{Clock: cfg.Clock}
	for _, s := range cfg.LEDs {
		opt.LEDs = append(opt.LEDs, s.Name)
	}
	for _, s := range cfg.Buttons {
		opt.Buttons = append(opt.Buttons, s.Name)
	}
	return New(opt).Devices(), nil
}

// Options configures New.
type Options struct {
	// LEDs and Buttons name the devices, in order; duplicates are dropped.
	LEDs    []string
	Buttons []string
	// Clock times presses; nil means the system clock.
	Clock hal.Clock
}

// Board is a simulated board. Its methods are safe for concurrent use.
type Board struct {
	clock   hal.Clock
	leds    []*LED
	buttons []*Button
	done    chan struct{}
	wg      sync.WaitGroup // press goroutines
	once    sync.Once

	mu     sync.Mutex // guards closed
	closed bool
}

// New returns a board with the named LEDs (off) and buttons (released).
func New(opt Options) *Board {
	b := &Board{clock: opt.Clock, done: make(chan struct{})}
	if b.clock == nil {
		b.clock = hal.SystemClock
	}
	seen := map[string]bool{}
	for _, n := range opt.LEDs {
		if !seen["led:"+n] {
			seen["led:"+n] = true
			b.leds = append(b.leds, &LED{name: n, pattern: hal.Off.Name()})
		}
	}
	for _, n := range opt.Buttons {
		if !seen["btn:"+n] {
			seen["btn:"+n] = true
			b.buttons = append(b.buttons, &Button{name: n, edges: make(chan struct{}, 1)})
		}
	}
	return b
}

// Devices returns the board's LEDs and buttons as hal devices; closing
// them closes the board.
func (b *Board) Devices() *hal.Devices {
	leds := make([]hal.LED, len(b.leds))
	for i, l := range b.leds {
		leds[i] = l
	}
	btns := make([]hal.Button, len(b.buttons))
	for i, x := range b.buttons {
		btns[i] = x
	}
	return hal.NewDevices(leds, btns, b.Close)
}

// LEDs returns what every LED shows, in board order.
func (b *Board) LEDs() []LEDState {
	out := make([]LEDState, len(b.leds))
	for i, l := range b.leds {
		out[i] = l.State()
	}
	return out
}

// Buttons names the buttons, in board order.
func (b *Board) Buttons() []string {
	out := make([]string, len(b.buttons))
	for i, x := range b.buttons {
		out[i] = x.name
	}
	return out
}

// Press holds the button called name down for d (0 means DefaultPress) and
// returns at once; the release comes d later on the board's clock. Holding
// for 10 s or more is a factory reset on a real box.
func (b *Board) Press(name string, d time.Duration) error {
	if d == 0 {
		d = DefaultPress
	}
	if d < 0 || d > MaxPress {
		return fmt.Errorf("%w: %v (0 to %v)", ErrDuration, d, MaxPress)
	}
	b.mu.Lock()
	defer b.mu.Unlock() // held until wg.Add, so Close cannot slip in between
	btn, gen, err := b.downLocked(name)
	if err != nil {
		return err
	}
	t := b.clock.NewTimer(d)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer t.Stop()
		select {
		case <-t.C():
		case <-b.done:
		}
		btn.release(gen)
	}()
	return nil
}

// Hold presses the button called name until Release.
func (b *Board) Hold(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, _, err := b.downLocked(name)
	return err
}

// Release lets go of a button pressed by Hold (or ends a Press early).
func (b *Board) Release(name string) error {
	btn := b.button(name)
	if btn == nil {
		return fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	btn.release(0)
	return nil
}

// Close ends pending presses (releasing their buttons). It is idempotent
// and waits for the press goroutines.
func (b *Board) Close() error {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.done)
		b.wg.Wait()
	})
	return nil
}

// downLocked presses the named button if it is up; it returns the press's
// generation for release. b.mu must be held.
func (b *Board) downLocked(name string) (*Button, uint64, error) {
	if b.closed {
		return nil, 0, ErrClosed
	}
	btn := b.button(name)
	if btn == nil {
		return nil, 0, fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	gen, ok := btn.press()
	if !ok {
		return nil, 0, fmt.Errorf("%w: %q", ErrBusy, name)
	}
	return btn, gen, nil
}

func (b *Board) button(name string) *Button {
	for _, x := range b.buttons {
		if x.name == name {
			return x
		}
	}
	return nil
}

// LED is a simulated LED.
type LED struct {
	name string

	mu      sync.Mutex // guards on, pattern
	on      bool
	pattern string
}

var (
	_ hal.LED          = (*LED)(nil)
	_ hal.PatternAware = (*LED)(nil)
)

// Name implements hal.LED.
func (l *LED) Name() string { return l.name }

// Set implements hal.LED.
func (l *LED) Set(on bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = on
	return nil
}

// SetPattern implements hal.PatternAware.
func (l *LED) SetPattern(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pattern = name
}

// State is what the LED shows now.
func (l *LED) State() LEDState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LEDState{Name: l.name, On: l.on, Pattern: l.pattern}
}

// Button is a simulated button.
type Button struct {
	name  string
	edges chan struct{}

	mu      sync.Mutex // guards pressed, gen
	pressed bool
	gen     uint64 // counts presses
}

var _ hal.Button = (*Button)(nil)

// Name implements hal.Button.
func (x *Button) Name() string { return x.name }

// Pressed implements hal.Button.
func (x *Button) Pressed() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.pressed
}

// Edges implements hal.Button.
func (x *Button) Edges() <-chan struct{} { return x.edges }

// press puts the button down if it is up and returns the new press's
// generation.
func (x *Button) press() (uint64, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.pressed {
		return 0, false
	}
	x.pressed = true
	x.gen++
	x.edgeLocked()
	return x.gen, true
}

// release lets the button up if it is down from press gen (0: any press).
func (x *Button) release(gen uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.pressed || (gen != 0 && gen != x.gen) {
		return
	}
	x.pressed = false
	x.edgeLocked()
}

// edgeLocked signals an edge without blocking; readers re-read the level.
func (x *Button) edgeLocked() {
	select {
	case x.edges <- struct{}{}:
	default:
	}
}
