package procs

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// rig is a Controller on a fake CPU clock: load sets the CPU time the
// process gains per second of the bubble's clock.
type rig struct {
	mu   sync.Mutex
	load float64
	cpu  time.Duration
	at   time.Time
	sets []int
	c    *Controller
}

func newRig(max int) *rig {
	r := &rig{at: time.Now()}
	r.c = New(Options{
		Max: max, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		CPU: r.now,
		Set: func(n int) { r.mu.Lock(); r.sets = append(r.sets, n); r.mu.Unlock() },
	})
	return r
}

// now advances the fake CPU time to the bubble's clock at the current load.
func (r *rig) now() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := time.Now()
	r.cpu += time.Duration(r.load * float64(t.Sub(r.at)))
	r.at = t
	return r.cpu
}

func (r *rig) setLoad(l float64) { r.now(); r.mu.Lock(); r.load = l; r.mu.Unlock() }

// wantSets fails the test unless GOMAXPROCS was set to want, in order.
func (r *rig) wantSets(t *testing.T, when string, want ...int) {
	t.Helper()
	if got := r.setCalls(); !slices.Equal(got, want) {
		t.Fatalf("%s: GOMAXPROCS set to %v, want %v", when, got, want)
	}
}

func (r *rig) setCalls() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.sets...)
}

// run starts the controller and returns its stop, which waits for Run.
func (r *rig) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.c.Run(ctx); close(done) }()
	synctest.Wait()
	return func() { cancel(); <-done }
}

// wait lets d of the bubble's time pass with the controller sampling.
func wait(d time.Duration) { time.Sleep(d); synctest.Wait() }

func TestStartsOnOneAndGoesUpWithLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(4)
		stop := r.run()
		if got := r.c.Procs(); got != 1 {
			t.Fatalf("idle box on %d processors, want 1", got)
		}
		r.setLoad(0.5) // busy, not enough
		wait(2 * time.Second)
		if got := r.c.Procs(); got != 1 {
			t.Fatalf("at 0.5 cores on %d processors, want 1", got)
		}
		r.setLoad(0.9)
		wait(DefaultEvery)
		if got := r.c.Procs(); got != 4 {
			t.Fatalf("at 0.9 cores on %d processors, want 4 within a sample", got)
		}
		stop()
		r.wantSets(t, "at stop it had Max already", 1, 4)
	})
}

func TestGoesBackToOneOnlyAfterCalm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(2)
		r.setLoad(1.2)
		stop := r.run()
		defer stop()
		wait(DefaultEvery)
		if got := r.c.Procs(); got != 2 {
			t.Fatalf("busy box on %d processors, want 2", got)
		}
		// Low load, but interrupted before Calm: the wait starts again.
		r.setLoad(0.1)
		wait(DefaultCalm - time.Second)
		r.setLoad(0.5) // between the two thresholds: neither up nor calm
		wait(time.Second)
		r.setLoad(0.1)
		wait(DefaultCalm - time.Second)
		if got := r.c.Procs(); got != 2 {
			t.Fatalf("after an interrupted calm on %d processors, want 2", got)
		}
		wait(2 * time.Second)
		if got := r.c.Procs(); got != 1 {
			t.Fatalf("after %v calm on %d processors, want 1", DefaultCalm, got)
		}
	})
}

func TestStopGivesAllProcessorsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(2)
		stop := r.run()
		wait(time.Second)
		stop()
		r.wantSets(t, "after Run", 1, 2)
		if got := r.c.Procs(); got != 2 {
			t.Fatalf("after Run on %d processors, want 2", got)
		}
	})
}

func TestOneProcessorNothingToDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(1)
		r.setLoad(1)
		stop := r.run()
		wait(time.Second)
		stop()
		r.wantSets(t, "on a one-processor box")
	})
}

func TestRealCPUTimeGrows(t *testing.T) {
	t0 := CPUTime()
	for end := time.Now().Add(30 * time.Millisecond); time.Now().Before(end); {
	}
	if d := CPUTime() - t0; d <= 0 {
		t.Fatalf("CPU time did not grow over 30 ms of spinning (%v)", d)
	}
}

func TestBorrowLendsASecondProcessor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(4)
		Borrow(func() {}) // no controller running: just runs
		r.wantSets(t, "Borrow without a running controller")
		stop := r.run()
		defer stop()
		inner := make(chan struct{})
		release := make(chan struct{})
		go Borrow(func() { <-release })
		go Borrow(func() { close(inner); <-release })
		<-inner
		synctest.Wait()
		r.wantSets(t, "two Borrows under way", 1, 2)
		if got := r.c.Procs(); got != 1 {
			t.Fatalf("the load still asks for %d processors, want 1", got)
		}
		close(release)
		synctest.Wait()
		r.wantSets(t, "after the Borrows", 1, 2, 1)
	})
}

func TestBorrowOnAllProcessorsChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(2)
		r.setLoad(1.5)
		stop := r.run()
		defer stop()
		wait(DefaultEvery)
		Borrow(func() {})
		r.wantSets(t, "a Borrow on 2 of 2 lends nothing", 1, 2)
	})
}
