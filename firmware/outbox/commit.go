package outbox

import (
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// maxSpare is the largest batch whose backing array the committer keeps for
// the next queue; a burst's bigger array is left to the collector.
const maxSpare = 4096

// commitLoop is the committer: each time the queue grows it takes all of it
// and stores it in one transaction (group commit: what arrives during a
// write goes into the next one). After a failed write it retries with
// back-off, the batch kept in memory. When ctx ends it commits what is left
// and returns.
func (o *Outbox) commitLoop(ctx context.Context) {
	defer close(o.commitDone)
	failures := 0
	var retry <-chan time.Time
	for {
		kick := o.kick
		if failures > 0 {
			kick = nil // wait for the back-off, not for the next event
		}
		var reply chan error
		select {
		case <-ctx.Done():
			o.commitErr = o.flushLast()
			return
		case <-kick:
		case <-retry:
		case reply = <-o.syncReq:
		}
		err := o.flush()
		if reply != nil {
			reply <- err
		}
		switch {
		case err != nil:
			failures++
			wait := backoff(failures, o.opts.BaseDelay, o.opts.MaxDelay, o.opts.Rand)
			o.log.Error("outbox: cannot store events, will retry", "queued", o.queued.Load(),
				"attempt", failures, "retry_in", wait, "err", err)
			retry = time.After(wait)
		case failures > 0:
			o.log.Info("outbox: storing events again", "after_attempts", failures)
			failures, retry = 0, nil
		}
	}
}

// flush takes the whole queue and stores it; on failure the events go back
// to the queue's front, still counted as queued.
func (o *Outbox) flush() (err error) {
	o.qmu.Lock()
	batch := o.queue
	o.queue, o.spare = o.spare, nil
	o.qmu.Unlock()
	if len(batch) == 0 {
		o.spare = batch
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("outbox: panic storing events: %v", p)
		}
		if err != nil {
			o.requeue(batch)
			return
		}
		o.queued.Add(-int64(len(batch))) // after commit raised pending
		if cap(batch) <= maxSpare {
			clear(batch)
			o.spare = batch[:0]
		}
	}()
	return o.commit(batch)
}

// requeue puts a batch that could not be stored back before the events
// queued meanwhile, dropping the oldest beyond MaxPending.
func (o *Outbox) requeue(batch []queued) {
	o.qmu.Lock()
	o.queue = append(batch, o.queue...)
	excess := len(o.queue) - o.opts.MaxPending
	if excess > 0 {
		clear(o.queue[:excess])
		o.queue = o.queue[excess:]
		o.dropped.Add(uint64(excess))
		o.queued.Add(-int64(excess))
	}
	o.qmu.Unlock()
	if excess > 0 {
		o.log.Warn("outbox: too many pending events, dropped the oldest (not yet stored)",
			"count", excess, "max_pending", o.opts.MaxPending)
	}
}

// flushLast is Close's commit: what cannot be stored now is lost with the
// process, so it is counted as dropped and the error returned.
func (o *Outbox) flushLast() error {
	err := o.flush()
	if err == nil {
		return nil
	}
	o.qmu.Lock()
	n := len(o.queue)
	o.queue = nil
	o.dropped.Add(uint64(n))
	o.queued.Add(-int64(n))
	o.qmu.Unlock()
	o.log.Error("outbox: events lost at close", "count", n, "err", err)
	return fmt.Errorf("outbox: %d events not stored at close: %w", n, err)
}

// commit stores batch in one transaction, assigning the ids in batch order,
// drops the oldest stored events beyond MaxPending and hands the new ids to
// the delivery workers.
func (o *Outbox) commit(batch []queued) error {
	if o.opts.beforeCommit != nil {
		o.opts.beforeCommit(len(batch))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	ids := make([]uint64, len(batch))
	var n int64
	var dropped []droppedEvent
	err := o.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(Bucket))
		if b == nil {
			return fmt.Errorf("bucket %q missing", Bucket)
		}
		for i, q := range batch {
			id, err := b.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(key(id), q.value); err != nil {
				return err
			}
			ids[i] = id
		}
		n = o.pending.Load() + int64(len(batch))
		var err error
		dropped, n, err = dropOldest(b, n, int64(o.opts.MaxPending))
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: store %d events: %w", len(batch), err)
	}
	o.dropped.Add(uint64(len(dropped)))
	o.pending.Store(n)
	for _, d := range dropped {
		o.shardOf(d.callID).remove(d.id)
		o.log.Warn("outbox: too many pending events, dropped the oldest",
			"id", d.id, "call", d.callID, "max_pending", o.opts.MaxPending)
	}
	for i, q := range batch {
		o.shardOf(q.callID).push(ids[i])
	}
	return nil
}

type droppedEvent struct {
	id     uint64
	callID string
}

// dropOldest deletes the first events of b while n > limit. It returns
// the deleted events and the new n.
func dropOldest(b *bbolt.Bucket, n, limit int64) ([]droppedEvent, int64, error) {
	var out []droppedEvent
	c := b.Cursor()
	for n > limit {
		k, v := c.First()
		if k == nil {
			break
		}
		d := droppedEvent{}
		d.id, _ = idOf(k)
		if r, err := decode(v); err == nil {
			d.callID = r.callID
		}
		if err := c.Delete(); err != nil {
			return nil, n, err
		}
		out = append(out, d)
		n--
	}
	return out, n, nil
}
