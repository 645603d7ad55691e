// Package outbox delivers events to an app server over HTTP at least once.
//
// Enqueue takes an event (a JSON body already formatted by an API adapter,
// tagged with its call's id) and appends it to a queue in memory. The
// committer, a goroutine started by New, takes everything queued each time
// and writes it to the bbolt bucket Bucket in one transaction (group
// commit), assigning each event its id, the bucket's next sequence number,
// in queue order; then it hands the ids to the delivery workers. The
// workers, started by Run, POST the events to the app server's URL, in
// order within a call, retrying with exponential back-off and full jitter.
// After a 2xx answer a worker hands the event's id back to the committer,
// which deletes it in its next transaction, together with the events it
// stores: a delivery costs no sync of its own, and the worker goes on with
// the next event at once. An event is deleted only after a 2xx answer; one
// delivered but not yet deleted when the box crashes is sent again after
// the restart, with the same id. Close stops the workers, then writes
// what is still queued and deletes what was delivered before it returns. Pending events survive a restart: New loads
// them and Run delivers them. docs/EVENTS.md describes the guarantees, the
// headers and the signature for app server authors.
//
// The outbox must never block a call: Enqueue never waits for the disk or
// the network (only for a short lock on the queue), so an event exists in
// memory only until the next commit, a few milliseconds later. It never
// deletes an undelivered event except to keep at most MaxPending of them
// (oldest first, logged and counted), when no app URL is configured, or
// when Close cannot store the queue. It never closes the bbolt database it
// was given.
package outbox
