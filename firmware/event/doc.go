// Package event is the in-process event bus of ivrbox: every call step (started,
// ringing, answered, digit, digit string, prompt finished, IVR entered/left, ended)
// is published here once, and every consumer (structured log, API adapters, the
// web UI's live view) subscribes.
//
// Publishing never blocks a call: hooks run inline and must be fast (the event
// outbox writes one bbolt record), subscribers get a buffered channel and a
// subscriber that falls behind loses events (counted in Dropped), never the call.
package event
