// Package journal keeps a crash journal of the box's live calls in bbolt:
// a call is written when it is answered (and again as it moves between
// IVRs) and removed when it ends, in batches on the journal's own
// goroutine, so no call waits for the disk. After a crash (SIGKILL, power
// loss) the calls still in the journal never ended for the application
// servers or the call records; at the next start Recover hands each one's
// last snapshot on, to be closed with cause CauseRestarted. The journal
// also notes which application server steered the call at the moment
// (Entry.App: a cloud IVR's application, an XML IVR's application), so
// that server gets its end-of-call notice too.
package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/procs"
)

// CauseRestarted is the end cause of a call the box lost in a crash.
const CauseRestarted = "box restarted"

// Bucket is the bbolt bucket of the journal, keyed by call id.
const Bucket = "journal"

const (
	// commitWindow is how long a change may wait for others to share its
	// transaction (one disk sync each).
	commitWindow = 100 * time.Millisecond
	// batch is the most changes written in one transaction.
	batch = 256
	// subBuffer is the most events waiting for the journal.
	subBuffer = 1 << 16
)

// Bus is the event source a Journal reads (an *event.Bus).
type Bus interface {
	SubscribeBatch(max int) *event.Batch
}

// Journal writes live calls to the bucket Bucket of a bbolt DB. It runs its
// own goroutine from Start until Close.
type Journal struct {
	db   *bbolt.DB
	log  *slog.Logger
	sub  *event.Batch
	once sync.Once
	done chan struct{}
	// Owned by the goroutine:
	live    map[string]*Entry   // calls in the journal (answered, not ended)
	pending map[string]struct{} // calls changed since the last write (removed when not live)
	lost    uint64              // dropped events already logged
}

// Open returns the journal in db, creating its bucket. log may be nil.
func Open(db *bbolt.DB, log *slog.Logger) (*Journal, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte(Bucket))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Journal{db: db, log: log, done: make(chan struct{}),
		live: map[string]*Entry{}, pending: map[string]struct{}{}}, nil
}

// Recover calls end with the entry of every call a crash left in the
// journal, in the order of their ids, then removes them. Call it once,
// before Start.
func (j *Journal) Recover(end func(Entry)) (int, error) {
	var calls []Entry
	var bad int
	err := j.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(Bucket)).ForEach(func(k, v []byte) error {
			var c Entry
			if err := json.Unmarshal(v, &c); err != nil || c.ID == "" {
				bad++
				return nil
			}
			calls = append(calls, c)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("journal: read: %w", err)
	}
	if bad > 0 {
		j.log.Warn("journal: unreadable entries dropped", "count", bad)
	}
	for _, c := range calls {
		end(c)
	}
	err = j.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket([]byte(Bucket)); err != nil && !errors.Is(err, bbolt.ErrBucketNotFound) {
			return err
		}
		_, err := tx.CreateBucket([]byte(Bucket))
		return err
	})
	if err != nil {
		return len(calls), fmt.Errorf("journal: clear: %w", err)
	}
	return len(calls), nil
}

// Start subscribes to bus and keeps the journal from then on.
func (j *Journal) Start(bus Bus) {
	j.sub = bus.SubscribeBatch(subBuffer)
	go j.run()
}

// Close stops the journal after writing what it was told; calls still live
// stay in it (a clean shutdown ends them first). Idempotent; waits.
func (j *Journal) Close() {
	if j.sub == nil {
		return
	}
	j.once.Do(j.sub.Close)
	<-j.done
}

// run applies the events in batches, one commit window after the first
// of each (one wake-up and one transaction a batch), until Close.
func (j *Journal) run() {
	defer close(j.done)
	j.sub.Serve(commitWindow, func(evs []event.Event, _ bool) {
		for _, e := range evs {
			j.apply(e)
			if len(j.pending) >= batch {
				j.flush()
			}
		}
		j.flush()
	})
}

// apply notes the change one event makes.
func (j *Journal) apply(e event.Event) {
	if e.CallID == "" {
		return
	}
	en := j.live[e.CallID]
	switch {
	case e.Kind == event.CallAnswered && e.Call != nil:
		en = &Entry{Call: *e.Call}
		j.live[e.CallID] = en
	case en == nil:
		return // not answered (or already ended): nothing journaled
	case e.Kind == event.CallEnded:
		delete(j.live, e.CallID)
	case !en.note(e):
		return
	}
	j.pending[e.CallID] = struct{}{}
}

// flush writes the pending changes in one transaction.
func (j *Journal) flush() {
	if d := j.sub.Dropped(); d > j.lost {
		j.log.Warn("journal: events lost; a crash now may leave calls unclosed", "lost", d-j.lost)
		j.lost = d
	}
	if len(j.pending) == 0 {
		return
	}
	err := procs.Do(func() error {
		return j.db.Update(func(tx *bbolt.Tx) error {
			bk := tx.Bucket([]byte(Bucket))
			for id := range j.pending {
				err := bk.Delete([]byte(id))
				if en := j.live[id]; en != nil {
					var b []byte
					if b, err = json.Marshal(en); err == nil {
						err = bk.Put([]byte(id), b)
					}
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		j.log.Error("journal: write failed", "err", err, "changes", len(j.pending))
	} else {
		j.log.Debug("journal written", "changes", len(j.pending), "live", len(j.live), "apps", j.apps())
	}
	clear(j.pending)
}
