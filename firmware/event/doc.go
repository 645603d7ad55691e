// Package event is the in-process event bus of ivrbox and the one model of a
// call that events and APIs share. Every call step (started, ringing,
// answered, digit, digit string, prompt finished, IVR entered/left, control
// offered/accepted/ended, command finished, recording and fork started and
// finished, ended) is published here once, with a snapshot of the call
// (Call), and every consumer (structured log, API adapters, call records, the
// web UI's live view) subscribes or hooks in.
//
// Publishing never blocks a call: hooks run inline and must be fast and never
// touch the disk or the network (the event outbox only queues in memory),
// subscribers get a buffered channel and a subscriber that falls behind loses
// events (counted in Dropped), never the call. The package is a leaf: it
// imports nothing of ivrbox.
package event
