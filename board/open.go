package board

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/ivrbox/ivrbox/hal"
	_ "github.com/ivrbox/ivrbox/hal/gpio" // registers the "gpio" driver
	"github.com/ivrbox/ivrbox/hal/sim"
	"github.com/ivrbox/ivrbox/hal/sysled"
)

// Options configures Open. The zero value opens the profile's default pins.
type Options struct {
	// Pins replaces the profile's pins when set (from the config).
	Pins *Pins
	// LEDRoot is the kernel's LED class directory (default /sys/class/leds);
	// tests point it at a temporary directory.
	LEDRoot string
	// Clock times the sim board's presses; nil means the system clock.
	Clock hal.Clock
	// Log receives warnings about hardware that could not be opened; nil
	// discards.
	Log *slog.Logger

	// lookup finds drivers; tests inject fakes. nil means hal.Lookup.
	lookup func(name string) (hal.Driver, bool)
}

// Hardware is a board's opened LEDs and buttons.
type Hardware struct {
	// Profile and Pins are what was opened.
	Profile Profile
	Pins    Pins
	// Groups are the LED groups, each to be shown whole by firmware/status:
	// the header LEDs, then the on-board LEDs. Groups that could not be
	// opened are left out.
	Groups [][]hal.LED
	// Buttons are the push buttons.
	Buttons []hal.Button
	// Sim is the simulated board on the sim profile, nil elsewhere: the
	// admin API shows its LEDs and presses its buttons.
	Sim *sim.Board
	// Skipped lists the hardware that could not be opened, and why.
	Skipped []error

	devs []*hal.Devices
}

// Open opens the LEDs and button of profile p. It fails only on invalid
// pins: hardware that cannot be opened (no GPIO chip, no permission, an LED
// the kernel does not have) is logged, listed in Skipped and left out, so a
// box always starts. A group of LEDs is opened whole or not at all.
func Open(p Profile, opt Options) (*Hardware, error) {
	pins := p.Pins.Clone()
	if opt.Pins != nil {
		pins = opt.Pins.Clone()
	}
	if err := pins.Validate(); err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.LEDRoot == "" {
		opt.LEDRoot = sysled.DefaultRoot
	}
	if opt.lookup == nil {
		opt.lookup = hal.Lookup
	}
	h := &Hardware{Profile: p, Pins: pins}
	if p.Name == "sim" {
		h.openSim(opt.Clock)
		return h, nil
	}
	h.open(opt, "gpio", hal.Config{LEDs: headerLEDs(pins), Log: opt.Log})
	h.open(opt, "sysled", hal.Config{LEDs: onboardLEDs(pins, opt.LEDRoot), Root: opt.LEDRoot, Log: opt.Log})
	if pins.Button != 0 {
		h.open(opt, "gpio", hal.Config{Buttons: []hal.ButtonSpec{{Name: ButtonName,
			Pin: gpioName(pins.Button), ActiveHigh: pins.ButtonActiveHigh}}, Log: opt.Log})
	}
	return h, nil
}

// open opens one group through driver and keeps what it got.
func (h *Hardware) open(opt Options, driver string, cfg hal.Config) {
	if len(cfg.LEDs) == 0 && len(cfg.Buttons) == 0 {
		return
	}
	d, ok := opt.lookup(driver)
	if !ok {
		h.skip(opt.Log, fmt.Errorf("board: no %q driver", driver))
		return
	}
	devs, err := d.Open(cfg)
	if err != nil {
		h.skip(opt.Log, fmt.Errorf("board: %s: %w", describe(cfg), err))
		return
	}
	h.devs = append(h.devs, devs)
	if len(devs.LEDs) > 0 {
		h.Groups = append(h.Groups, devs.LEDs)
	}
	h.Buttons = append(h.Buttons, devs.Buttons...)
}

func (h *Hardware) skip(log *slog.Logger, err error) {
	log.Warn("hardware left out", "err", err)
	h.Skipped = append(h.Skipped, err)
}

// openSim makes a simulated board shaped like the pins.
func (h *Hardware) openSim(clock hal.Clock) {
	header := ledNames(len(h.Pins.LEDs))
	var own []string
	for _, alts := range h.Pins.Onboard {
		own = append(own, alts[0])
	}
	opt := sim.Options{LEDs: append(append([]string(nil), header...), own...), Clock: clock}
	if h.Pins.Button != 0 {
		opt.Buttons = []string{ButtonName}
	}
	h.Sim = sim.New(opt)
	devs := h.Sim.Devices()
	h.devs = append(h.devs, devs)
	if len(header) > 0 {
		h.Groups = append(h.Groups, devs.LEDs[:len(header)])
	}
	if len(own) > 0 {
		h.Groups = append(h.Groups, devs.LEDs[len(header):])
	}
	h.Buttons = devs.Buttons
}

// Close releases everything Open opened (on-board LEDs get their kernel
// triggers back). It is idempotent. Close firmware/status first, so no
// blinker writes to a closed LED.
func (h *Hardware) Close() error {
	errs := make([]error, 0, len(h.devs))
	for i := len(h.devs) - 1; i >= 0; i-- {
		errs = append(errs, h.devs[i].Close())
	}
	return errors.Join(errs...)
}

// headerLEDs are the GPIO LED specs of pins.
func headerLEDs(pins Pins) []hal.LEDSpec {
	names := ledNames(len(pins.LEDs))
	out := make([]hal.LEDSpec, len(pins.LEDs))
	for i, n := range pins.LEDs {
		out[i] = hal.LEDSpec{Name: names[i], Pin: gpioName(n), ActiveLow: pins.LEDActiveLow}
	}
	return out
}

// onboardLEDs resolves the on-board LED names that exist under root.
func onboardLEDs(pins Pins, root string) []hal.LEDSpec {
	var out []hal.LEDSpec
	for _, alts := range pins.Onboard {
		for _, n := range alts {
			if sysled.Exists(root, n) {
				out = append(out, hal.LEDSpec{Name: n, Pin: n})
				break
			}
		}
	}
	return out
}

// describe names what cfg asked for, for error messages.
func describe(cfg hal.Config) string {
	var s string
	for _, l := range cfg.LEDs {
		s += fmt.Sprintf(" led %s(%s)", l.Name, l.PinOr())
	}
	for _, b := range cfg.Buttons {
		s += fmt.Sprintf(" button %s(%s)", b.Name, b.PinOr())
	}
	if s == "" {
		return "nothing"
	}
	return s[1:]
}
