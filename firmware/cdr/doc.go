// Package cdr keeps call detail records: one Record per finished call (who
// called which number, when it started, was answered and ended, why it ended,
// the IVRs it went through and the keys pressed), stored in the bbolt bucket
// store.BucketCalls, newest first, at most a configured number of them.
//
// A Recorder builds the records from the event bus (call.started,
// call.answered, ivr.entered, dtmf.digit, call.ended) on its own goroutine
// and writes them in batches, so a burst of hang-ups costs few disk syncs.
//
// This package never blocks a call: it only reads the bus through a buffered
// subscription (a Recorder that falls behind loses events, counted and
// logged, never the call), and it never writes outside its bucket.
package cdr
