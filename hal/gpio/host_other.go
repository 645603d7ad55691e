//go:build !linux

package gpio

import (
	"errors"
	"fmt"

	pgpio "periph.io/x/conn/v3/gpio"
)

// lookupLine fails: GPIO lines are reached through Linux's character device.
func lookupLine(name string) (pgpio.PinIO, error) {
	return nil, fmt.Errorf("gpio: line %q: %w", name, errors.ErrUnsupported)
}
