package event

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Bus fans events out to hooks and subscribers. The zero value is not usable;
// call NewBus.
type Bus struct {
	log *slog.Logger
	now func() time.Time
	seq atomic.Uint64

	mu      sync.RWMutex // guards stamp, hooks and subs
	stamp   func(*Event)
	hooks   []func(Event)
	subs    map[*Subscription]struct{}
	batches map[*Batch]struct{}
}

// NewBus returns a bus that logs each event at Info level on log (nil: no log).
func NewBus(log *slog.Logger) *Bus {
	return &Bus{log: log, now: time.Now, subs: map[*Subscription]struct{}{}, batches: map[*Batch]struct{}{}}
}

// Hook registers f to run inline for every event, in publish order. f must be
// fast and must not call Publish.
func (b *Bus) Hook(f func(Event)) {
	b.mu.Lock()
	b.hooks = append(b.hooks, f)
	b.mu.Unlock()
}

// Stamp sets f to complete every event before it is published (the call
// manager adds the call's snapshot to events others publish about a call).
// f runs inline in Publish, before the hooks; it must be fast and must not
// call Publish. A later Stamp replaces an earlier one.
func (b *Bus) Stamp(f func(*Event)) {
	b.mu.Lock()
	b.stamp = f
	b.mu.Unlock()
}

// Publish stamps e with a sequence number and time (and the Stamp func),
// logs it, runs the hooks and offers it to every subscriber without
// blocking. It returns the stamped event.
func (b *Bus) Publish(e Event) Event {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.stamp != nil {
		b.stamp(&e)
	}
	e.Seq = b.seq.Add(1)
	if e.Time.IsZero() {
		e.Time = b.now()
	}
	if b.log != nil && b.log.Enabled(context.Background(), slog.LevelDebug) {
		b.log.Debug("event", "event", e) // debug: six lines a call cost more than the call at INFO
	}
	for _, h := range b.hooks {
		h(e)
	}
	for s := range b.subs {
		select {
		case s.c <- e:
		default:
			s.dropped.Add(1)
		}
	}
	for s := range b.batches {
		s.offer(e)
	}
	return e
}

// Subscribe returns a subscription whose channel holds up to buf events.
func (b *Bus) Subscribe(buf int) *Subscription {
	s := &Subscription{bus: b, c: make(chan Event, buf)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Subscription is one consumer's view of the bus.
type Subscription struct {
	bus     *Bus
	c       chan Event
	dropped atomic.Uint64
	once    sync.Once
}

// C is the channel events arrive on. It is closed by Close.
func (s *Subscription) C() <-chan Event { return s.c }

// Dropped counts events lost because the channel was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close detaches the subscription and closes its channel. It is idempotent.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.subs, s)
		s.bus.mu.Unlock()
		close(s.c)
	})
}
