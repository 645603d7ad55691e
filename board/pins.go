package board

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Pins says where a board's LEDs and push button are. Every profile has a
// default; the config may replace it whole (Options.Pins), for a board
// wired differently. The zero value means no LEDs and no button.
//
// The LEDs come in groups, each showing the whole box state on its own (see
// firmware/status): the LEDs on the header are one group, the board's own
// LEDs another.
type Pins struct {
	// LEDs are the BCM GPIO numbers of LEDs wired to the header, in display
	// order: with three, status, line, fault (green, yellow, red); with two,
	// status and fault (green, red); with one, status. At most three; GPIO 2
	// to 27 (0 and 1 belong to the HAT EEPROM). Empty: none.
	LEDs []int `json:"leds,omitempty"`
	// Button is the BCM GPIO number of the push button; 0: none.
	Button int `json:"button,omitempty"`
	// LEDActiveLow: the LEDs are wired from 3V3 to the pin and light when it
	// is low. Zero: pin → resistor → LED → ground.
	LEDActiveLow bool `json:"led_active_low,omitempty"`
	// ButtonActiveHigh: the button connects the pin to 3V3 and the pin is
	// pulled down. Zero: the button connects the pin to ground and the pin
	// is pulled up (the usual wiring).
	ButtonActiveHigh bool `json:"button_active_high,omitempty"`
	// Onboard are the board's own LEDs in the kernel's LED class
	// (/sys/class/leds), in display order status, fault. Each entry lists
	// alternative names, the first that exists wins (kernels call a Pi's
	// LEDs "ACT"/"PWR" or "led0"/"led1"); an LED none of whose names exists
	// is left out. At most two.
	Onboard [][]string `json:"onboard,omitempty"`
}

// The rules Validate enforces.
const (
	maxLEDs    = 3
	maxOnboard = 2
	minGPIO    = 2 // 0 and 1 are the HAT ID EEPROM's I2C
	maxGPIO    = 27
)

// errPins reports a Pins that cannot be used.
var errPins = errors.New("board: bad pins")

// piPins is the default wiring on a Raspberry Pi with n on-board LEDs.
func piPins(n int) Pins {
	return Pins{LEDs: []int{17, 27, 22}, Button: 23, Onboard: onboard(n)}
}

// onboard lists a Pi's own LEDs: ACT, then PWR.
func onboard(n int) [][]string {
	return [][]string{{"ACT", "led0"}, {"PWR", "led1"}}[:n]
}

// Validate checks the numbers and names; its error lists every problem.
func (p Pins) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{errPins}, a...)...))
	}
	if len(p.LEDs) > maxLEDs {
		bad("%d LEDs (at most %d)", len(p.LEDs), maxLEDs)
	}
	used := map[int]bool{}
	check := func(what string, n int) {
		switch {
		case n < minGPIO || n > maxGPIO:
			bad("%s on GPIO %d (use %d to %d)", what, n, minGPIO, maxGPIO)
		case used[n]:
			bad("GPIO %d used twice", n)
		}
		used[n] = true
	}
	for i, n := range p.LEDs {
		check(fmt.Sprintf("LED %d", i+1), n)
	}
	if p.Button != 0 {
		check("button", p.Button)
	}
	if len(p.Onboard) > maxOnboard {
		bad("%d on-board LEDs (at most %d)", len(p.Onboard), maxOnboard)
	}
	for i, alts := range p.Onboard {
		if len(alts) == 0 {
			bad("on-board LED %d has no name", i+1)
		}
		for _, n := range alts {
			if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00") {
				bad("on-board LED name %q", n)
			}
		}
	}
	return errors.Join(errs...)
}

// Clone returns a deep copy.
func (p Pins) Clone() Pins {
	q := p
	q.LEDs = slices.Clone(p.LEDs)
	q.Onboard = nil
	for _, alts := range p.Onboard {
		q.Onboard = append(q.Onboard, slices.Clone(alts))
	}
	return q
}

// ledNames names n header LEDs by colour, in display order.
func ledNames(n int) []string {
	switch n {
	case 1:
		return []string{"green"}
	case 2:
		return []string{"green", "red"}
	}
	return []string{"green", "yellow", "red"}[:min(n, 3)]
}

// ButtonName is the name of the push button.
const ButtonName = "button"

// gpioName is the Linux GPIO line name of BCM GPIO n on every Pi.
func gpioName(n int) string { return fmt.Sprintf("GPIO%d", n) }
