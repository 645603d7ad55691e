// Package status shows the box's state on its LEDs and turns its button
// into actions: it is the one place that decides what a light means.
//
// The owner feeds it the state (booting or ready, active calls, trunk
// registration, network-disk fault, error) from the event bus; status maps
// that to a [hal.Pattern] per LED, for groups of 1, 2 or 3 LEDs, and drives
// each LED from a hal.Blinker. It watches the buttons with hal.Watcher: a
// short press logs the box's addresses and state (and calls OnShortPress);
// a 10-second hold calls OnFactoryReset, with LED feedback from 3 s on so
// the user can let go in time.
//
// The mapping (Show) — one pattern per LED, first matching row wins:
//
//	one LED (status):            error      triple-blink
//	                             booting    slow-blink
//	                             disk fault double-blink
//	                             call(s)    heartbeat
//	                             trunk down flash
//	                             ready      on (trunk registered, or none configured)
//
//	two LEDs (status, fault):    status: booting slow-blink, call(s) heartbeat,
//	                                     trunk down flash, ready on
//	                             fault:  error on, disk fault double-blink, else off
//
//	three LEDs (status, line, fault — green, yellow, red):
//	                             status: booting slow-blink, else on
//	                             line:   booting off, call(s) heartbeat, trunk
//	                                     registered on, trunk down flash, no trunk off
//	                             fault:  error on, disk fault double-blink, else off
//
// While a button is held past WarnAfter every LED fast-blinks ("let go to
// cancel"); once the hold reaches LongAfter every LED is on while the
// factory reset runs. docs/BOARD.md has the same tables for users.
//
// status never imports firmware/call, the APIs or the config store: the
// owner adapts events to its setters, and supplies the reset as a callback.
package status
