package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// Defaults for the zero values of Options.
const (
	DefaultTimeout    = 5 * time.Second
	DefaultWorkers    = 4
	DefaultMaxPending = 10000
	DefaultBaseDelay  = 500 * time.Millisecond
	DefaultMaxDelay   = 60 * time.Second
)

var (
	// ErrClosed is returned by Run after Close.
	ErrClosed = errors.New("outbox: closed")
	// ErrTooLarge is returned by Enqueue for a body over MaxBody bytes.
	ErrTooLarge = errors.New("outbox: event body too large")

	errRunning = errors.New("outbox: Run called twice")
)

// Options configure an Outbox. The zero value of every field means the
// documented default.
type Options struct {
	// URL returns the app server's URL; it is called for every Enqueue and
	// every delivery attempt, so a config change applies at once. nil or ""
	// means no delivery: Enqueue keeps nothing and workers discard pending
	// events. URL and Secret must be fast and safe for concurrent use.
	URL func() string
	// Bucket is the bbolt bucket of the pending events, created by New;
	// "" means Bucket. Outboxes on one database need buckets of their own.
	Bucket string
	// Secret returns the HMAC key; nil or "" means unsigned requests (no
	// X-Ivrbox-Signature header).
	Secret func() string
	// Client sends the requests. nil means a client with a 5 s timeout.
	Client *http.Client
	// Workers is the number of delivery workers; a call's events all go to
	// the same worker (by hash of the call id). 0 means 4.
	Workers int
	// MaxPending bounds the events kept: each commit keeps the newest
	// MaxPending stored and drops the older ones, and the memory queue
	// never holds more than MaxPending (it drops its oldest), so memory
	// holds at most twice MaxPending events (the queue and the batch being
	// written) while the disk is slow. 0 means 10000.
	MaxPending int
	// BaseDelay and MaxDelay shape the retry back-off: before retry n
	// (from 1) a worker waits a random time in [0, min(MaxDelay,
	// BaseDelay*2^(n-1))]. The committer backs off the same way after a
	// failed write. 0 means 500 ms and 60 s.
	BaseDelay, MaxDelay time.Duration
	// Log receives delivery failures and drops. nil discards.
	Log *slog.Logger
	// Now is the clock for X-Ivrbox-Timestamp and for the queue age and
	// delivery latency (Stats). nil means time.Now.
	Now func() time.Time
	// Latency, if set, is called by a worker after each 2xx answer with
	// the event's delivery latency: from Enqueue (for an event stored
	// before New, from New) to the answer. It must be fast and must not
	// block: a metric update.
	Latency func(time.Duration)
	// Rand returns a uniform random number in [0, n), n > 0, for the
	// jitter. It must be safe for concurrent use. nil means math/rand/v2.
	Rand func(n int64) int64

	// beforeCommit, if set, is called by the committer before each bbolt
	// write with the number of events it stores and of events it removes:
	// the tests' hook to hold a commit. afterCommit, if set, is called
	// after each write that succeeded.
	beforeCommit func(events, removals int)
	afterCommit  func()
}

// Stats are counters since New. An event is counted in Queued or Pending
// until it is delivered or dropped, never in neither (it may briefly show
// in both while it is being stored). An event answered with 2xx is removed
// from the database by the committer's next write, a commit window later
// (deliveries are batched with the events stored): until then it is
// still counted in Pending, and Delivered counts it once it is removed,
// so Pending is always the number of events stored.
type Stats struct {
	Queued    int    // events accepted by Enqueue, in memory, not yet stored
	Pending   int    // events stored and not yet removed
	Delivered uint64 // events answered with 2xx and removed
	Retried   uint64 // attempts after a failed one
	Dropped   uint64 // events deleted undelivered (MaxPending, no URL, corrupt, lost at Close)
	LastError string // the last failed attempt's error; "" when none failed
	// OldestAge is how long the oldest undelivered event has waited: since
	// Enqueue, or, for an event stored before New (a restart), since New.
	// 0 when none waits. An event answered with 2xx no longer counts.
	OldestAge time.Duration
	// LastLatency is the last delivered event's latency, from Enqueue (or
	// New, as for OldestAge) to the 2xx answer; 0 before the first.
	LastLatency time.Duration
}

// Outbox queues, stores and delivers events. Create it with New; Close it.
type Outbox struct {
	db   *bbolt.DB
	opts Options
	// lastErr is the last failed attempt's error text (a string).
	lastErr atomic.Value
	log     *slog.Logger
	shards  []*shard

	mu      sync.Mutex   // serialises the outbox's bbolt writes and changes of pending
	pending atomic.Int64 // stored events; written under mu

	qmu       sync.Mutex   // guards queue, removals and closing
	queue     []queued     // accepted by Enqueue, not yet taken by the committer; oldest first
	removals  []removal    // delivered or discarded events to delete, not yet taken by the committer
	closing   bool         // Close was called: Enqueue and remove write synchronously
	queued    atomic.Int64 // events in queue or in the batch being stored; raised under qmu
	spare     []queued     // the last batch, emptied for reuse; the committer's own
	spareRem  []removal    // the last removals, emptied for reuse; the committer's own
	storingAt int64        // enqueue time of the oldest event of the batch being stored; 0 when none

	kick       chan struct{}      // capacity 1: signalled when queue or removals grow
	syncReq    chan chan error    // Sync's requests to the committer
	stopCommit context.CancelFunc // ends the committer (after a last commit)
	commitDone chan struct{}      // closed when the committer is gone
	commitErr  error              // the error of Close's commit; read after commitDone

	delivered, retried, dropped atomic.Uint64
	lastLatency                 atomic.Int64 // nanoseconds; 0 before the first delivery

	life    sync.Mutex         // guards the fields below
	closed  bool               // Close was called
	running bool               // Run was called
	cancel  context.CancelFunc // stops Run's workers
	done    chan struct{}      // closed when Run's workers are gone
}

// New returns an outbox on db (normally store.Store.DB()), creating Bucket
// if needed and queueing the events left in it for delivery by Run. It
// starts the committer, the goroutine that writes what Enqueue accepts to
// db; Close stops it, so every outbox New returns must be closed.
func New(db *bbolt.DB, opts Options) (*Outbox, error) {
	if db == nil {
		return nil, errors.New("outbox: nil database")
	}
	opts = withDefaults(opts)
	o := &Outbox{
		db: db, opts: opts, log: opts.Log, shards: make([]*shard, opts.Workers),
		kick: make(chan struct{}, 1), syncReq: make(chan chan error), commitDone: make(chan struct{}),
	}
	for i := range o.shards {
		o.shards[i] = newShard()
	}
	if err := o.load(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	o.stopCommit = cancel
	go o.commitLoop(ctx)
	return o, nil
}

func withDefaults(o Options) Options {
	if o.Bucket == "" {
		o.Bucket = Bucket
	}
	if o.URL == nil {
		o.URL = func() string { return "" }
	}
	if o.Secret == nil {
		o.Secret = func() string { return "" }
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: DefaultTimeout}
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Int64N
	}
	return o
}

// load creates the bucket and queues the stored events, dropping corrupt ones.
func (o *Outbox) load() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	var bad uint64
	at := o.opts.Now().UnixNano() // stored records keep no enqueue time
	err := o.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(o.opts.Bucket))
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; {
			id, err := idOf(k)
			var r record
			if err == nil {
				r, err = decode(v)
			}
			if err != nil {
				o.log.Warn("outbox: dropping unreadable event", "key", fmt.Sprintf("%x", k), "err", err)
				if err := c.Delete(); err != nil {
					return err
				}
				bad++
				k, v = c.Seek(k) // the cursor may skip after Delete
				continue
			}
			o.shardOf(r.callID).push(id, at)
			n++
			k, v = c.Next()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: load pending events: %w", err)
	}
	o.pending.Store(int64(n))
	o.dropped.Add(bad)
	return nil
}

// Pending returns the number of stored events: undelivered, or delivered
// and not yet removed by the next commit.
func (o *Outbox) Pending() int { return int(o.pending.Load()) }

// Stats returns the counters.
func (o *Outbox) Stats() Stats {
	queued := o.queued.Load() // before pending: an event leaves queued after it joins pending
	return Stats{
		Queued:      int(queued),
		Pending:     o.Pending(),
		Delivered:   o.delivered.Load(),
		Retried:     o.retried.Load(),
		Dropped:     o.dropped.Load(),
		LastError:   o.lastError(),
		OldestAge:   o.oldestAge(),
		LastLatency: time.Duration(o.lastLatency.Load()),
	}
}

// lastError is the last failed attempt's error, if any.
func (o *Outbox) lastError() string {
	s, _ := o.lastErr.Load().(string)
	return s
}

// Run delivers events until ctx is done or Close is called, then returns
// nil once its workers are gone. It returns ErrClosed after Close and an
// error if called twice.
func (o *Outbox) Run(ctx context.Context) error {
	o.life.Lock()
	if o.closed {
		o.life.Unlock()
		return ErrClosed
	}
	if o.running {
		o.life.Unlock()
		return errRunning
	}
	o.running = true
	ctx, o.cancel = context.WithCancel(ctx)
	o.done = make(chan struct{})
	o.life.Unlock()

	defer close(o.done)
	var wg sync.WaitGroup
	for _, s := range o.shards {
		wg.Go(func() { o.work(ctx, s) })
	}
	wg.Wait()
	return nil
}

// Close stops Run's workers and waits for them (a delivery attempt in
// flight is abandoned and its event stays stored), then makes one last
// commit: it stores what is still queued and removes the events delivered
// so far, and stops the committer. After Close, Enqueue stores each event
// itself. Close returns the last commit's error (its queued events are
// lost and counted as dropped; its delivered events stay stored and are
// sent again after a restart); calling it again returns nil. It does not
// close the database, which must stay open until Close returns.
func (o *Outbox) Close() error {
	o.life.Lock()
	o.closed = true
	cancel, done := o.cancel, o.done
	o.life.Unlock()
	if cancel != nil {
		cancel()
		<-done // no delivery ends after this: the last commit has them all
	}

	o.qmu.Lock()
	first := !o.closing
	o.closing = true
	o.qmu.Unlock()
	o.stopCommit()
	<-o.commitDone
	if first {
		return o.commitErr
	}
	return nil
}

// shardOf returns the worker queue of callID.
func (o *Outbox) shardOf(callID string) *shard {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(callID); i++ {
		h = (h ^ uint32(callID[i])) * 16777619
	}
	return o.shards[h%uint32(len(o.shards))]
}
