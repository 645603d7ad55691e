// Package haltest holds fakes for testing code that uses hal: a manual
// [Clock], a recording [LED], a settable [Button] and a goroutine-leak
// check. It is for tests only and must never be imported by the firmware.
package haltest
