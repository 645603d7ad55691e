// Package sysled is the hal driver for the kernel's LED class: the LEDs a
// board has on its own, like a Raspberry Pi's ACT and PWR, under
// /sys/class/leds/<name>/ (brightness, max_brightness, trigger).
//
// Opening an LED saves its trigger and sets it to "none", so the kernel
// stops driving it; Close switches it off and restores the saved trigger,
// so the board looks as it did before ivrbox. The root directory is
// injectable, so tests run against a temporary directory tree.
//
// It registers itself as "sysled" from init. It never touches files outside
// the one LED directory it was given, and it has no buttons.
package sysled
