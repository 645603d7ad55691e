package outbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
)

// The request headers; docs/EVENTS.md documents them.
const (
	HeaderEventID   = "X-Ivrbox-Event-Id"
	HeaderCallID    = "X-Ivrbox-Call-Id"
	HeaderTimestamp = "X-Ivrbox-Timestamp"
	HeaderSignature = "X-Ivrbox-Signature"
	HeaderAttempt   = "X-Ivrbox-Attempt"
)

// work delivers the ids of s one after another until ctx is done.
func (o *Outbox) work(ctx context.Context, s *shard) {
	for {
		it, ok := s.pop(ctx)
		if !ok {
			return
		}
		o.deliverSafe(ctx, s, it)
		s.done()
	}
}

// deliverSafe is deliver with a panic logged instead of killing the box; the
// event stays stored and is tried again after a restart.
func (o *Outbox) deliverSafe(ctx context.Context, s *shard, it item) {
	defer func() {
		if p := recover(); p != nil {
			o.log.Error("outbox: panic delivering event", "id", it.id, "panic", p)
		}
	}()
	o.deliver(ctx, s, it)
}

// deliver sends event id until a 2xx answer, then hands it to the
// committer for removal and returns at once: the worker goes on with the
// call's next event while the removal waits for the next commit. It gives
// up when ctx is done or the event is gone (dropped meanwhile). A 2xx
// answer records the delivery latency, from Enqueue to the answer, and
// marks the event done on s (of the worker).
func (o *Outbox) deliver(ctx context.Context, s *shard, it item) {
	id := it.id
	for attempt := 1; ; attempt++ {
		r, ok := o.get(id)
		if !ok {
			return
		}
		url := o.opts.URL()
		if url == "" {
			o.discard(id, r.callID, "no app URL")
			return
		}
		err := o.post(ctx, url, id, attempt, r)
		if err == nil {
			o.delivered1(it)
			s.done() // no longer waiting, before its removal lowers Pending
			o.remove(removal{id: id, callID: r.callID})
			return
		}
		if ctx.Err() != nil {
			return
		}
		o.lastErr.Store(err.Error())
		wait := backoff(attempt, o.opts.BaseDelay, o.opts.MaxDelay, o.opts.Rand)
		o.log.Warn("outbox: delivery failed, will retry", "id", id, "call", r.callID,
			"attempt", attempt, "retry_in", wait, "err", err)
		if !sleep(ctx, wait) {
			return
		}
		o.retried.Add(1)
	}
}

// post makes one delivery attempt; nil means a 2xx answer.
func (o *Outbox) post(ctx context.Context, url string, id uint64, attempt int, r record) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(r.body))
	if err != nil {
		return fmt.Errorf("outbox: bad app URL: %w", err)
	}
	ts := o.opts.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ivrbox")
	req.Header.Set(HeaderEventID, strconv.FormatUint(id, 10))
	req.Header.Set(HeaderCallID, r.callID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	if secret := o.opts.Secret(); secret != "" {
		req.Header.Set(HeaderSignature, Sign(secret, ts, id, r.body))
	}
	resp, err := o.opts.Client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10) // lets the connection be reused
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("outbox: app server answered %s", resp.Status)
	}
	return nil
}

// Sign returns the X-Ivrbox-Signature value: "sha256=" and the hex
// HMAC-SHA256, keyed with secret, of "<timestamp>.<id>.<body>" where
// timestamp is the X-Ivrbox-Timestamp value (Unix seconds) and id the
// X-Ivrbox-Event-Id value, both in decimal.
func Sign(secret string, timestamp int64, id uint64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	var buf [48]byte
	b := strconv.AppendInt(buf[:0], timestamp, 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, id, 10)
	b = append(b, '.')
	m.Write(b)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// backoff returns the wait after failed attempt n (from 1): full jitter, a
// uniform random duration in [0, min(limit, base*2^(n-1))].
func backoff(n int, base, limit time.Duration, rnd func(int64) int64) time.Duration {
	ceil := base
	for i := 1; i < n && ceil < limit; i++ {
		ceil *= 2
	}
	ceil = min(ceil, limit)
	return time.Duration(rnd(int64(ceil) + 1))
}

// sleep waits d; false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// get reads event id; false if it is gone. A corrupt record is discarded.
func (o *Outbox) get(id uint64) (record, bool) {
	var r record
	var found bool
	err := o.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket([]byte(o.opts.Bucket)).Get(key(id))
		if v == nil {
			return nil
		}
		found = true
		var err error
		r, err = decode(v)
		r.body = bytes.Clone(r.body)
		return err
	})
	if err != nil {
		o.log.Error("outbox: cannot read event", "id", id, "err", err)
		if found {
			o.discard(id, "", "unreadable")
		}
		return record{}, false
	}
	return r, found
}

// removal is an event to delete: delivered, or discarded for reason.
type removal struct {
	id     uint64
	callID string
	reason string // "" for a delivered event
}

// remove hands r to the committer, which deletes the event in its next
// write (with the events it stores: a delivery costs no sync of its own)
// and counts it as delivered or dropped then. Until that write the event
// stays stored: a crash before it sends the event again after the
// restart, with the same id. After Close, remove writes r itself.
func (o *Outbox) remove(r removal) {
	o.qmu.Lock()
	if o.closing {
		o.qmu.Unlock()
		o.removeAfterClose(r)
		return
	}
	o.removals = append(o.removals, r)
	o.qmu.Unlock()
	select {
	case o.kick <- struct{}{}:
	default: // the committer is already due
	}
}

// removeAfterClose deletes r in its own transaction once Close's last
// commit is done. Workers are stopped before that commit, so only a
// delivery racing Close gets here.
func (o *Outbox) removeAfterClose(r removal) {
	<-o.commitDone
	if err := o.commit(nil, []removal{r}); err != nil {
		o.log.Error("outbox: cannot delete event; it will be sent again after a restart",
			"id", r.id, "err", err)
	}
}

// discard deletes event id undelivered, for reason (with the next commit).
func (o *Outbox) discard(id uint64, callID, reason string) {
	o.remove(removal{id: id, callID: callID, reason: reason})
}
