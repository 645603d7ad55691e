// Package ivr is the IVR engine of ivrbox: it runs a live call through the
// configured IVRs (6500–6503 by default) the way the PBX seed's Asterisk
// dialplan does — prompts with barge-in (Background), a wait for a first key
// (WaitExten), TIMEOUT(digit) between keys, single-key actions, digit strings
// (`_X.#`) ended by #, by their length or by the digit timeout, reported as
// events and followed by hold prompts, timeout
// and invalid-key actions, API control with hold music — and lets the APIs
// move a call to another IVR at any moment (Engine.Goto).
//
// The engine works only on the call-control surface: it declares the few call
// methods it needs (Call, Transferer) and publishes IVR events on the event
// bus. It must never touch SIP, RTP, audio or the disk itself, never block on
// anything but the call it runs, and never let a panic in one call escape its
// Run.
package ivr
