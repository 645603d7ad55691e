//go:build linux

package gpio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"periph.io/x/conn/v3/driver/driverreg"
	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3/gpioioctl" // the GPIO character-device driver
)

// hostInit runs periph's driver initialisation once. Only gpioioctl is
// linked in, so only it is initialised. The error explains why no line
// will be found (no /dev/gpiochip*, no permission).
var hostInit = sync.OnceValue(func() error {
	st, err := driverreg.Init()
	if err != nil {
		return fmt.Errorf("periph init: %w", err)
	}
	var errs []error
	for _, f := range append(st.Failed, st.Skipped...) {
		errs = append(errs, fmt.Errorf("periph driver %s: %w", f.D, f.Err))
	}
	return errors.Join(errs...)
})

// lookupLine finds a GPIO line by name ("GPIO17"). On kernels that do not
// name their lines, "GPIOn" is line n of the Raspberry Pi's header GPIO
// controller, whose line numbers are BCM numbers.
func lookupLine(name string) (pgpio.PinIO, error) {
	initErr := hostInit()
	p := gpioreg.ByName(name)
	if p == nil {
		p = byNumber(name)
	}
	if p == nil {
		if initErr != nil {
			return nil, fmt.Errorf("%w: %q (%w)", errNoPin, name, initErr)
		}
		return nil, fmt.Errorf("%w: %q", errNoPin, name)
	}
	return p, nil
}

// headerChips are the labels of the chips that carry a Pi's header GPIOs:
// Pi 5 (RP1), Pi 4, Pi 3 and Zero 2 W.
var headerChips = []string{"pinctrl-rp1", "pinctrl-bcm2711", "pinctrl-bcm2835"}

// byNumber finds "GPIOn" by number on a header chip; nil if there is none.
func byNumber(name string) pgpio.PinIO {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "GPIO"))
	if err != nil || !strings.HasPrefix(name, "GPIO") || n < 0 {
		return nil
	}
	for _, label := range headerChips {
		for _, c := range gpioioctl.Chips {
			if c.Label() != label || n >= c.LineCount() {
				continue
			}
			if l := c.ByNumber(n); l != nil {
				return l
			}
		}
	}
	return nil
}
