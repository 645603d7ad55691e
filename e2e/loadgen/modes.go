package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// modes runs the optional parts of a load run (-record, -fork, -keys)
// around the measuring window.
type modes struct {
	o      options
	b      *box
	g      *gen
	start  time.Time // the first INVITE
	admin  *admin
	byBox  map[string]*lcall // box call id -> call, from GET calls
	mapped int               // calls found in GET calls

	fork *forkRun

	calls    []*lcall // the answered calls, in the order they were placed
	stopSSE  context.CancelFunc
	sseDone  chan struct{}
	stopKeys context.CancelFunc
	keysDone chan struct{}
	keys     keyResult

	recDir   string
	recBytes int64
	recT0    time.Time
	rec      *recCheck
}

// prepare sets the modes up once every call is answered: the admin API
// client and the map of box call ids, the forks, and the event stream.
func (m *modes) prepare(ctx context.Context, calls []*lcall) error {
	m.recDir = filepath.Join(m.b.dataDir, "recordings")
	for _, c := range calls {
		if c.answered.Load() && !c.ended.Load() {
			m.calls = append(m.calls, c)
		}
	}
	if !m.o.fork && !m.o.keys {
		return nil
	}
	var err error
	if m.admin, err = newAdmin(ctx, m.b.httpAddr); err != nil {
		return err
	}
	list, err := m.admin.calls(ctx)
	if err != nil {
		return fmt.Errorf("live calls: %w", err)
	}
	m.byBox = map[string]*lcall{}
	for _, bc := range list {
		if c := m.g.call(bc.SIPCallID); c != nil && c.answered.Load() {
			m.byBox[bc.ID] = c
		}
	}
	m.mapped = len(m.byBox)
	fmt.Printf("admin API: %d live calls, %d of ours\n", len(list), m.mapped)
	if m.o.fork {
		sink, err := startForkSink()
		if err != nil {
			return err
		}
		m.fork = startForks(ctx, m.admin, sink, sortedIDs(m.byBox))
		fmt.Printf("forked %d calls to %s (%d refused)\n", len(m.fork.ids), sink.addr(), m.fork.failed)
	}
	if m.o.keys {
		return m.openEvents(ctx)
	}
	return nil
}

// openEvents subscribes to the SSE stream and starts its reader.
func (m *modes) openEvents(ctx context.Context) error {
	// The stream lasts the window, the wait for late events and the hang-ups.
	sctx, cancel := context.WithTimeout(context.Background(), m.o.window+2*time.Minute)
	resp, err := m.admin.events(sctx)
	if err != nil {
		cancel()
		return err
	}
	m.stopSSE, m.sseDone = cancel, make(chan struct{})
	ready := make(chan struct{})
	go func() {
		defer close(m.sseDone)
		defer resp.Body.Close()
		m.g.keys.readEvents(resp.Body, ready, m.byBox, m.g.call)
	}()
	select {
	case <-ready:
		return nil
	case <-m.sseDone:
		return errors.New("event stream ended before it started")
	case <-time.After(10 * time.Second):
		return errors.New("event stream: no greeting within 10 s")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// begin opens the measuring window.
func (m *modes) begin() {
	if m.o.record != "" {
		m.recBytes, _ = recUsage(m.recDir)
		m.recT0 = time.Now()
	}
	if m.fork != nil {
		m.fork.begin()
	}
	if m.g.keys != nil {
		m.g.keys.on.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), m.o.window+time.Minute)
		m.stopKeys, m.keysDone = cancel, make(chan struct{})
		go func() { defer close(m.keysDone); m.g.sendKeys(ctx, m.calls, time.Now()) }()
	}
}

// end closes the measuring window: the recordings' write rate, the fork
// packets received, no new key presses (and up to 2 s for the last
// events), then the box's fork counters.
func (m *modes) end(ctx context.Context) {
	if m.o.record != "" {
		n, _ := recUsage(m.recDir)
		m.rec = &recCheck{rate: float64(n-m.recBytes) / time.Since(m.recT0).Seconds()}
	}
	if m.fork != nil {
		m.fork.end()
	}
	if k := m.g.keys; k != nil {
		k.on.Store(false) // the presses in progress finish: 140 ms
		select {
		case <-m.keysDone:
		case <-time.After(2 * time.Second):
		}
		m.stopKeys()
		<-m.keysDone
		k.waitMatched(ctx, 2*time.Second)
		m.keys = k.result()
		m.keys.outbox = m.b.events.count()
		m.keys.outboxStats, m.keys.outboxErr = m.admin.delivery(ctx)
	}
	if m.fork != nil {
		m.fork.boxStats(ctx, m.admin)
	}
}

// after checks what the calls left once they are hung up, and stops the
// modes' goroutines.
func (m *modes) after(ctx context.Context, answered int, window time.Duration) {
	if m.rec != nil {
		rate := m.rec.rate
		*m.rec = checkRecordings(ctx, m.recDir, m.o.record, answered, window, time.Since(m.start)+5*time.Second)
		m.rec.rate = rate
	}
	if m.g.keys != nil {
		m.countDetected(ctx)
	}
	m.close()
}

// countDetected counts the keys the box heard, from the digits of the
// call records of our calls (the records see every dtmf.digit event; the
// SSE stream may miss some when it falls behind).
func (m *modes) countDetected(ctx context.Context) {
	recs, err := m.admin.records(ctx, len(m.calls)+100)
	if err != nil {
		m.keys.cdrErr = err
		return
	}
	for _, r := range recs {
		c := m.byBox[r.ID]
		if c == nil {
			c = m.g.call(r.ID)
		}
		if c != nil {
			m.keys.cdrCalls++
			m.keys.detected += int64(len(r.Digits))
		}
	}
}

// close stops the event stream and the fork sink; safe to call again.
func (m *modes) close() {
	if m.stopSSE != nil {
		m.stopSSE()
		<-m.sseDone
		m.stopSSE = nil
	}
	if m.fork != nil && m.fork.sink != nil {
		m.fork.sink.close()
		m.fork.sink = nil
	}
}

func (m *modes) print() {
	if m.rec != nil {
		m.rec.print()
	}
	if m.fork != nil {
		m.fork.print()
	}
	if m.g.keys != nil {
		m.keys.print()
	}
}
