package outbox

import (
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/procs"
)

// maxSpare is the largest batch whose backing array the committer keeps for
// the next queue; a burst's bigger array is left to the collector.
const maxSpare = 4096

// commitLoop is the committer: each time the queue or the removals grow
// it takes all of them and writes them in one transaction (group commit:
// what arrives during a write goes into the next one), so neither an
// event stored nor an event delivered costs a sync of its own. After a
// failed write it retries with back-off, the batch kept in memory. When
// ctx ends it commits what is left and returns.
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

// flush takes the whole queue and the removals and writes them in one
// transaction; on failure they go back to the front, the events still
// counted as queued.
func (o *Outbox) flush() (err error) {
	o.qmu.Lock()
	batch, rems := o.queue, o.removals
	o.queue, o.spare = o.spare, nil
	o.removals, o.spareRem = o.spareRem, nil
	if len(batch) > 0 {
		o.storingAt = batch[0].at
	}
	o.qmu.Unlock()
	if len(batch) == 0 && len(rems) == 0 {
		o.spare, o.spareRem = batch, rems
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("outbox: panic storing events: %v", p)
		}
		if err != nil {
			o.requeue(batch, rems) // clears storingAt
			return
		}
		o.qmu.Lock()
		o.storingAt = 0 // the batch is in the shards now
		o.qmu.Unlock()
		o.queued.Add(-int64(len(batch))) // after commit raised pending
		if cap(batch) <= maxSpare {
			clear(batch)
			o.spare = batch[:0]
		}
		if cap(rems) <= maxSpare {
			clear(rems)
			o.spareRem = rems[:0]
		}
	}()
	return o.commit(batch, rems)
}

// requeue puts a batch and removals that could not be written back before
// those queued meanwhile, dropping the oldest events beyond MaxPending.
// The removals are bounded without a limit of their own: each is a stored
// event, and at most MaxPending are stored.
func (o *Outbox) requeue(batch []queued, rems []removal) {
	o.qmu.Lock()
	o.removals = append(rems, o.removals...)
	o.queue = append(batch, o.queue...)
	o.storingAt = 0
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
// process, so it is counted as dropped and the error returned; events
// delivered but not removed stay stored and are sent again after a
// restart.
func (o *Outbox) flushLast() error {
	err := o.flush()
	if err == nil {
		return nil
	}
	o.qmu.Lock()
	n, r := len(o.queue), len(o.removals)
	o.queue, o.removals = nil, nil
	o.dropped.Add(uint64(n))
	o.queued.Add(-int64(n))
	o.qmu.Unlock()
	o.log.Error("outbox: events lost at close", "count", n, "not_removed", r, "err", err)
	return fmt.Errorf("outbox: %d events not stored and %d delivered events not removed (to be sent again) at close: %w",
		n, r, err)
}

// commit writes one transaction: it deletes the events of rems still
// stored, stores batch, assigning the ids in batch order, and drops the
// oldest stored events beyond MaxPending. Then it counts the removals as
// delivered or dropped and hands the new ids to the delivery workers.
func (o *Outbox) commit(batch []queued, rems []removal) error {
	if o.opts.beforeCommit != nil {
		o.opts.beforeCommit(len(batch), len(rems))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	ids := make([]uint64, len(batch))
	gone := make([]bool, len(rems)) // the event was no longer stored
	var n int64
	var dropped []droppedEvent
	err := procs.Do(func() error {
		return o.db.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket([]byte(o.opts.Bucket))
			if b == nil {
				return fmt.Errorf("bucket %q missing", o.opts.Bucket)
			}
			n = o.pending.Load()
			for i, r := range rems {
				k := key(r.id)
				if b.Get(k) == nil {
					gone[i] = true // dropped meanwhile, or removed twice
					continue
				}
				if err := b.Delete(k); err != nil {
					return err
				}
				n--
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
			n += int64(len(batch))
			var err error
			dropped, n, err = dropOldest(b, n, int64(o.opts.MaxPending))
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("outbox: store %d events and remove %d: %w", len(batch), len(rems), err)
	}
	o.countRemovals(rems, gone)
	o.dropped.Add(uint64(len(dropped)))
	o.pending.Store(n) // after the counters: an event never shows in neither
	for _, d := range dropped {
		o.shardOf(d.callID).remove(d.id)
		o.log.Warn("outbox: too many pending events, dropped the oldest",
			"id", d.id, "call", d.callID, "max_pending", o.opts.MaxPending)
	}
	for i, q := range batch {
		o.shardOf(q.callID).push(ids[i], q.at)
	}
	if o.opts.afterCommit != nil {
		o.opts.afterCommit()
	}
	return nil
}

// countRemovals counts the removed events as delivered or dropped (those
// gone before their removal were counted when they went).
func (o *Outbox) countRemovals(rems []removal, gone []bool) {
	for i, r := range rems {
		switch {
		case gone[i]:
		case r.reason == "":
			o.delivered.Add(1)
		default:
			o.dropped.Add(1)
			o.log.Warn("outbox: dropped event", "reason", r.reason, "id", r.id, "call", r.callID)
		}
	}
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
