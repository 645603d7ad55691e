package hal

import (
	"errors"
	"sync"
)

// LED is one light that can be switched on and off. Implementations need
// not be safe for concurrent use: a [Blinker] is the only caller.
type LED interface {
	// Name is the LED's name as shown to users ("green", "ACT").
	Name() string
	// Set switches the LED on or off.
	Set(on bool) error
}

// Button is one push button.
type Button interface {
	// Name is the button's name as shown to users ("button").
	Name() string
	// Pressed reports whether the button is held down right now. The level
	// is raw: it may bounce; a [Watcher] debounces it.
	Pressed() bool
	// Edges receives a value whenever the level may have changed. Values
	// may be coalesced or spurious: readers re-read Pressed. The channel is
	// never closed while the button is open.
	Edges() <-chan struct{}
}

// PatternAware is implemented by LEDs that want to know the name of the
// pattern they are driven with (the sim shows it on the dashboard). A
// [Blinker] calls SetPattern before it starts a new pattern.
type PatternAware interface {
	SetPattern(name string)
}

// LEDState is what one LED shows, for the admin API and the dashboard.
type LEDState struct {
	Name    string `json:"name"`
	On      bool   `json:"on"`
	Pattern string `json:"pattern"`
}

// Devices is what a [Driver] opened: its LEDs and buttons, released
// together by Close.
type Devices struct {
	LEDs    []LED
	Buttons []Button

	once    sync.Once
	closeFn func() error
	err     error
}

// NewDevices bundles leds and buttons with the function that releases
// them (nil when there is nothing to release).
func NewDevices(leds []LED, buttons []Button, closeFn func() error) *Devices {
	return &Devices{LEDs: leds, Buttons: buttons, closeFn: closeFn}
}

// Close releases the devices. It is idempotent; later calls return the
// first call's error.
func (d *Devices) Close() error {
	if d == nil {
		return nil
	}
	d.once.Do(func() {
		if d.closeFn != nil {
			d.err = d.closeFn()
		}
	})
	return d.err
}

// CloseAll closes every closer in reverse order and joins their errors. It
// is a helper for drivers.
func CloseAll[C interface{ Close() error }](cs []C) error {
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		errs = append(errs, cs[i].Close())
	}
	return errors.Join(errs...)
}
