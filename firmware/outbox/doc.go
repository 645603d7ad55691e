// Package outbox delivers events to an app server over HTTP at least once.
//
// Enqueue writes an event (a JSON body already formatted by an API adapter,
// tagged with its call's id) to the bbolt bucket Bucket in one transaction
// and returns its id, the bucket's next sequence number. Background workers
// started by Run POST the events to the app server's URL, in order within a
// call, retrying with exponential back-off and full jitter, and delete an
// event only after a 2xx answer. Pending events survive a restart: New loads
// them and Run delivers them. docs/EVENTS.md describes the guarantees, the
// headers and the signature for app server authors.
//
// The outbox must never block a call: Enqueue does one bbolt write and never
// waits for the network. It never deletes an undelivered event except to keep
// at most MaxPending of them (oldest first, logged and counted) or when no
// app URL is configured. It never closes the bbolt database it was given.
package outbox
