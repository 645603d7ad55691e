// Package gpio is the hal driver for LEDs and buttons on GPIO lines, through
// periph.io. On Linux it uses periph's gpioioctl driver, the kernel's GPIO
// character device (/dev/gpiochipN), which works on every Raspberry Pi
// including the Pi 5 (whose RP1 chip the old memory-mapped drivers cannot
// drive). Lines are found by name ("GPIO17"). Elsewhere the driver is
// registered but Open fails with errors.ErrUnsupported.
//
// It registers itself as "gpio" from init. It never loads periph's other
// host drivers (no /dev/mem, no /dev/gpiomem) and never decides what a
// light means.
package gpio
