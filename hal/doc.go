// Package hal is ivrbox's hardware abstraction for the few things a box has
// besides its network port: status LEDs and push buttons.
//
// It defines the tiny interfaces drivers implement ([LED], [Button]), the
// [Blinker] that drives one LED through a named [Pattern] from a single
// owner goroutine, the [Watcher] that turns a bouncing button into gestures
// (short press, warning, long press, cancel), and a registry where drivers
// ([Driver]) register themselves from init, the way periph.io does.
//
// Drivers live in subpackages: hal/gpio (periph.io GPIO through the Linux
// GPIO character device), hal/sysled (the kernel's /sys/class/leds) and
// hal/sim (in-memory, for tests and for a box run on a laptop). Fakes for
// tests, including an injectable clock, are in hal/haltest.
//
// hal knows nothing about what the box does: it never imports firmware/,
// api/ or board/, and it never decides what a pattern means (firmware/status
// does). Everything that waits takes an injectable [Clock].
package hal
