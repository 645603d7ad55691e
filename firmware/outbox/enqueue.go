package outbox

import (
	"context"
	"fmt"
	"log/slog"
)

// queued is one event accepted by Enqueue and not yet stored: its call and
// its record, already encoded (so the caller's body may be reused), and
// when Enqueue got it (Unix nanoseconds of Options.Now).
type queued struct {
	callID string
	value  []byte
	at     int64
}

// Enabled reports whether events are delivered: an address is set (else
// Enqueue drops them, and callers need not build them).
func (o *Outbox) Enabled() bool { return o.opts.URL() != "" }

// Enqueue accepts body, an event of call callID, for storing and delivery,
// and returns at once: it appends the event to a queue in memory and never
// touches the disk or the network. The committer writes the queue to the
// database within one commit window (the time of one bbolt write, a few
// milliseconds; see docs/EVENTS.md), in batches, and assigns the ids then;
// events of one call are stored, and delivered, in the order Enqueue got
// them. When the queue already holds MaxPending events its oldest is
// dropped (logged and counted). When no app URL is set Enqueue keeps
// nothing. The body should be JSON; it is sent as is.
//
// Enqueue may be called before Run (Run delivers the event). After Close it
// stores the event itself, synchronously, for the next start: it then waits
// for the disk and returns the database's error, if any.
func (o *Outbox) Enqueue(callID string, body []byte) error {
	if o.opts.URL() == "" {
		return nil
	}
	if len(body) > MaxBody {
		return fmt.Errorf("%w: %d bytes (max %d), call %q", ErrTooLarge, len(body), MaxBody, callID)
	}
	q := queued{callID: callID, value: encode(callID, body), at: o.opts.Now().UnixNano()}
	o.qmu.Lock()
	if o.closing {
		o.qmu.Unlock()
		return o.storeAfterClose(q)
	}
	o.queue = append(o.queue, q)
	var lost queued
	full := len(o.queue) > o.opts.MaxPending
	if full {
		lost = o.queue[0]
		o.queue[0] = queued{}
		o.queue = o.queue[1:]
		o.dropped.Add(1) // and queued stays: one in, one out
	} else {
		o.queued.Add(1)
	}
	o.qmu.Unlock()
	select {
	case o.kick <- struct{}{}:
	default: // the committer is already due
	}
	if full && o.log.Enabled(context.Background(), slog.LevelWarn) {
		o.log.Warn("outbox: too many pending events, dropped the oldest (not yet stored)",
			"call", lost.callID, "max_pending", o.opts.MaxPending)
	}
	return nil
}

// storeAfterClose writes q in its own transaction, once Close's last commit
// is done (so q comes after everything queued before it).
func (o *Outbox) storeAfterClose(q queued) error {
	<-o.commitDone
	if err := o.commit([]queued{q}, nil); err != nil {
		return fmt.Errorf("outbox: enqueue event of call %q after close: %w", q.callID, err)
	}
	return nil
}

// Sync waits until every event Enqueue accepted before the call is stored,
// and every event delivered before it removed, asking the committer to
// write them now, and returns that write's error.
// Calls never need it (the committer writes on its own); it is for tests
// and for callers that must know the events are on disk. After Close it
// returns Close's commit error at once.
func (o *Outbox) Sync(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case o.syncReq <- reply:
	case <-o.commitDone:
		return o.commitErr
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
