package gpio

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/hal"
	pgpio "periph.io/x/conn/v3/gpio"
)

// Name is the driver's registry name.
const Name = "gpio"

// errNoPin reports a line name the system does not have.
var errNoPin = errors.New("gpio: no such line")

func init() {
	// The only possible error is a duplicate name; "gpio" is unique.
	_ = hal.Register(driver{lookup: lookupLine})
}

// driver implements hal.Driver.
type driver struct {
	// lookup finds a line by name; tests inject gpiotest pins.
	lookup func(name string) (pgpio.PinIO, error)
}

func (driver) Name() string { return Name }

// Open opens the LEDs and buttons of cfg, all or nothing.
func (d driver) Open(cfg hal.Config) (*hal.Devices, error) {
	var (
		leds    []*LED
		buttons []*Button
	)
	fail := func(err error) (*hal.Devices, error) {
		_ = hal.CloseAll(buttons)
		_ = hal.CloseAll(leds)
		return nil, err
	}
	for _, s := range cfg.LEDs {
		p, err := d.lookup(s.PinOr())
		if err != nil {
			return fail(err)
		}
		l, err := NewLED(s.Name, p, s.ActiveLow)
		if err != nil {
			return fail(err)
		}
		leds = append(leds, l)
	}
	for _, s := range cfg.Buttons {
		p, err := d.lookup(s.PinOr())
		if err != nil {
			return fail(err)
		}
		b, err := NewButton(s.Name, p, ButtonOptions{ActiveHigh: s.ActiveHigh})
		if err != nil {
			return fail(err)
		}
		buttons = append(buttons, b)
	}
	hl := make([]hal.LED, len(leds))
	for i, l := range leds {
		hl[i] = l
	}
	hb := make([]hal.Button, len(buttons))
	for i, b := range buttons {
		hb[i] = b
	}
	return hal.NewDevices(hl, hb, func() error {
		return errors.Join(hal.CloseAll(buttons), hal.CloseAll(leds))
	}), nil
}

// LED is an LED on a GPIO output line.
type LED struct {
	name      string
	pin       pgpio.PinOut
	activeLow bool
	once      sync.Once
}

var _ hal.LED = (*LED)(nil)

// NewLED drives pin as an LED, switched off. activeLow: the LED lights when
// the line is low.
func NewLED(name string, pin pgpio.PinOut, activeLow bool) (*LED, error) {
	l := &LED{name: name, pin: pin, activeLow: activeLow}
	if err := l.Set(false); err != nil {
		return nil, err
	}
	return l, nil
}

// Name implements hal.LED.
func (l *LED) Name() string { return l.name }

// Set implements hal.LED.
func (l *LED) Set(on bool) error {
	if err := l.pin.Out(pgpio.Level(on != l.activeLow)); err != nil {
		return fmt.Errorf("gpio: led %s: %w", l.name, err)
	}
	return nil
}

// Close switches the LED off and releases the line. It is idempotent.
func (l *LED) Close() error {
	var err error
	l.once.Do(func() {
		err = l.Set(false)
		release(l.pin)
	})
	return err
}

// ButtonOptions configures NewButton. The zero value is the usual wiring.
type ButtonOptions struct {
	// ActiveHigh: the button connects the line to 3V3; the line is pulled
	// down. Zero: the button connects it to ground; the line is pulled up.
	ActiveHigh bool
	// Poll bounds each wait for an edge, and so how long Close may take
	// (default 250 ms).
	Poll time.Duration
}

// Button is a push button on a GPIO input line with edge detection. A
// goroutine, started by NewButton and stopped by Close, waits for edges.
type Button struct {
	name       string
	pin        pgpio.PinIn
	activeHigh bool
	poll       time.Duration
	edges      chan struct{}
	done       chan struct{}
	wg         sync.WaitGroup
	once       sync.Once
}

var _ hal.Button = (*Button)(nil)

// NewButton configures pin as a pulled input with edge detection on both
// edges and starts waiting for edges.
func NewButton(name string, pin pgpio.PinIn, opt ButtonOptions) (*Button, error) {
	if opt.Poll <= 0 {
		opt.Poll = 250 * time.Millisecond
	}
	pull := pgpio.PullUp
	if opt.ActiveHigh {
		pull = pgpio.PullDown
	}
	if err := pin.In(pull, pgpio.BothEdges); err != nil {
		return nil, fmt.Errorf("gpio: button %s: %w", name, err)
	}
	b := &Button{name: name, pin: pin, activeHigh: opt.ActiveHigh, poll: opt.Poll,
		edges: make(chan struct{}, 1), done: make(chan struct{})}
	b.wg.Add(1)
	go b.pump()
	return b, nil
}

// Name implements hal.Button.
func (b *Button) Name() string { return b.name }

// Pressed implements hal.Button.
func (b *Button) Pressed() bool { return bool(b.pin.Read()) == b.activeHigh }

// Edges implements hal.Button.
func (b *Button) Edges() <-chan struct{} { return b.edges }

// Close stops waiting for edges and releases the line. It is idempotent
// and waits for the goroutine, at most about Poll.
func (b *Button) Close() error {
	b.once.Do(func() {
		close(b.done)
		b.wg.Wait()
		release(b.pin)
	})
	return nil
}

// pump turns WaitForEdge into channel sends. It never blocks on a reader.
func (b *Button) pump() {
	defer b.wg.Done()
	for {
		select {
		case <-b.done:
			return
		default:
		}
		start := time.Now()
		if b.pin.WaitForEdge(b.poll) {
			select {
			case b.edges <- struct{}{}:
			default:
			}
			continue
		}
		// A wait that fails at once is an error, not a timeout: back off
		// instead of spinning.
		if time.Since(start) < b.poll/4 {
			select {
			case <-b.done:
				return
			case <-time.After(b.poll):
			}
		}
	}
}

// release gives a line back to the kernel when the driver supports it
// (gpioioctl lines do).
func release(p any) {
	if c, ok := p.(interface{ Close() }); ok {
		c.Close()
	}
}
