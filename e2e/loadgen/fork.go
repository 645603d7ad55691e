package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// adminWorkers is how many admin API requests run at once.
const adminWorkers = 8

// parallel runs f(0..n-1) on adminWorkers goroutines, within d; it returns
// how many failed and the first error.
func parallel(ctx context.Context, n int, d time.Duration, f func(ctx context.Context, i int) error) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var next, failed atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range adminWorkers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := f(ctx, i); err != nil {
					failed.Add(1)
					once.Do(func() { first = err })
				}
			}
		})
	}
	wg.Wait()
	return int(failed.Load()), first
}

// forkRun is the -fork mode: one fork (both directions) of every answered
// call to the sink, and what the sink received.
type forkRun struct {
	sink     *forkSink
	ids      []string // box ids of the forked calls
	failed   int
	firstErr error
	rx0      int64
	t0       time.Time
	rx       int64         // packets received during the window
	elapsed  time.Duration // length of the window
	box      forkStats     // the box's own counters, summed, at the end of the window
	sinkAll  [2]int64      // packets the sink had received before and after the counters were read
	statsErr error
	per      []int64 // packets per target since the forks started, sorted, at the end of the window
}

// startForks forks every call in ids to the sink.
func startForks(ctx context.Context, a *admin, sink *forkSink, ids []string) *forkRun {
	fr := &forkRun{sink: sink}
	var mu sync.Mutex
	fr.failed, fr.firstErr = parallel(ctx, len(ids), 2*time.Minute, func(ctx context.Context, i int) error {
		if err := a.fork(ctx, ids[i], sink.addr()); err != nil {
			return err
		}
		mu.Lock()
		fr.ids = append(fr.ids, ids[i])
		mu.Unlock()
		return nil
	})
	return fr
}

func (fr *forkRun) begin() { fr.rx0, fr.t0 = fr.sink.total.Load(), time.Now() }

// end closes the window: what the sink received in it.
func (fr *forkRun) end() {
	fr.rx, fr.elapsed = fr.sink.total.Load()-fr.rx0, time.Since(fr.t0)
	fr.per = fr.sink.perTarget()
}

// boxStats sums the box's counters of every fork.
func (fr *forkRun) boxStats(ctx context.Context, a *admin) {
	var mu sync.Mutex
	fr.sinkAll[0] = fr.sink.total.Load()
	defer func() { fr.sinkAll[1] = fr.sink.total.Load() }()
	_, fr.statsErr = parallel(ctx, len(fr.ids), time.Minute, func(ctx context.Context, i int) error {
		s, err := a.forkStats(ctx, fr.ids[i])
		mu.Lock()
		fr.box.sent += s.sent
		fr.box.errors += s.errors
		fr.box.dropped += s.dropped
		mu.Unlock()
		return err
	})
}

func (fr *forkRun) print() {
	expected := 2 * 50 * fr.elapsed.Seconds() * float64(len(fr.ids))
	fmt.Printf("forks:              %d started, %d refused", len(fr.ids), fr.failed)
	if fr.firstErr != nil {
		fmt.Printf(" (first: %v)", fr.firstErr)
	}
	fmt.Println()
	fmt.Printf("fork packets:       %d received in %.1fs, %.0f expected (2 x 50/s x %d calls) = %.2f%%\n",
		fr.rx, fr.elapsed.Seconds(), expected, len(fr.ids), 100*float64(fr.rx)/max(expected, 1))
	if per := fr.per; len(per) > 0 {
		n := len(per)
		fmt.Printf("fork targets:       %d seen (want %d); packets per target since start: min %d, median %d, max %d\n",
			n, 2*len(fr.ids), per[0], per[n/2], per[n-1])
	}
	fmt.Printf("fork box counters:  %d sent, %d send errors, %d frames dropped; the sink had %d to %d meanwhile",
		fr.box.sent, fr.box.errors, fr.box.dropped, fr.sinkAll[0], fr.sinkAll[1])
	if fr.statsErr != nil {
		fmt.Printf(" (stats: %v)", fr.statsErr)
	}
	fmt.Println()
}

// sortedIDs returns the box ids of the live calls known by SIP Call-ID.
func sortedIDs(m map[string]*lcall) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
