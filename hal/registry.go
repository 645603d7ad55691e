package hal

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
)

// Driver opens LEDs and buttons on one kind of hardware. Drivers register
// themselves from init with [Register]; the registry holds nothing else.
type Driver interface {
	// Name is the driver's registry name ("gpio", "sysled", "sim").
	Name() string
	// Open opens the devices cfg names, all or nothing: on error, whatever
	// it opened is released.
	Open(cfg Config) (*Devices, error)
}

// Config says which devices a driver should open.
type Config struct {
	LEDs    []LEDSpec
	Buttons []ButtonSpec
	// Root is the driver's filesystem root where it has one (sysled: the LED
	// class directory); empty means the driver's default.
	Root string
	// Clock is for drivers that keep time (sim); nil means the system clock.
	Clock Clock
	// Log is for the driver's warnings; nil discards.
	Log *slog.Logger
}

// LEDSpec names one LED to open.
type LEDSpec struct {
	// Name is the name shown to users ("green").
	Name string
	// Pin is the driver's address for it: a GPIO line name ("GPIO17") or a
	// kernel LED name ("ACT"). Empty means Name.
	Pin string
	// ActiveLow: the LED lights when the line is low (wired from 3V3 to the
	// pin). Zero: pin → resistor → LED → ground.
	ActiveLow bool
}

// ButtonSpec names one button to open.
type ButtonSpec struct {
	// Name is the name shown to users ("button").
	Name string
	// Pin is the driver's address for it ("GPIO23"); empty means Name.
	Pin string
	// ActiveHigh: the button connects the pin to 3V3 and the pin is pulled
	// down. Zero: the button connects the pin to ground and the pin is
	// pulled up (the usual wiring).
	ActiveHigh bool
}

// PinOr returns s.Pin, or s.Name when Pin is empty.
func (s LEDSpec) PinOr() string { return pinOr(s.Pin, s.Name) }

// PinOr returns s.Pin, or s.Name when Pin is empty.
func (s ButtonSpec) PinOr() string { return pinOr(s.Pin, s.Name) }

func pinOr(pin, name string) string {
	if pin == "" {
		return name
	}
	return pin
}

// ErrDuplicate is returned by Register for a name already taken.
var ErrDuplicate = errors.New("hal: driver already registered")

var registry = struct {
	sync.Mutex
	m map[string]Driver
}{m: map[string]Driver{}}

// Register adds d to the registry; drivers call it from init.
func Register(d Driver) error {
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.m[d.Name()]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicate, d.Name())
	}
	registry.m[d.Name()] = d
	return nil
}

// Lookup returns the registered driver called name.
func Lookup(name string) (Driver, bool) {
	registry.Lock()
	defer registry.Unlock()
	d, ok := registry.m[name]
	return d, ok
}

// Drivers lists the registered drivers' names, sorted.
func Drivers() []string {
	registry.Lock()
	defer registry.Unlock()
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return slices.Clip(names)
}
