// Package procs sets how many processors the Go runtime runs goroutines on
// (GOMAXPROCS), following the box's load: one while the box is lightly
// loaded, all it was given once it is busy.
//
// A lightly loaded box on several processors pays for them: every time a
// goroutine is woken while a processor is idle, the runtime wakes a second
// thread to look for work, which mostly finds none and goes back to sleep.
// For a box setting up a few hundred short calls a second that thread
// ping-pong cost more CPU than the calls' signalling (a quarter to a third
// of a call's CPU, measured with SIPp; docs/PERFORMANCE.md). On one
// processor the same work costs that much less, and while the box is far
// from using a whole core nothing waits longer for it.
//
// The Controller samples the process's CPU time every Every. On one
// processor, a sample with a load of Load cores or more gives the runtime
// every processor at once (a busy box, or one goroutine such as a backup
// being packed keeping the processor to itself, which would make the media
// wait); on all of them, a load under half of Load for Calm takes it back
// to one. Measured at 1000 concurrent calls of 50 packets a second each
// way, one processor kept the media's timing (RTP gaps) as well as two or
// better: the box's own load there is under half a core.
//
// One processor has one hazard, a goroutine blocked in a system call that
// holds it; work that waits on the disk runs under Borrow.
package procs

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Options.
const (
	DefaultLoad  = 0.8                    // cores
	DefaultCalm  = 10 * time.Second       // below half the load, before going back to one
	DefaultEvery = 250 * time.Millisecond // sample period
)

// Options configure a Controller. Zero values take the defaults.
type Options struct {
	Max   int           // processors when busy (0: runtime.GOMAXPROCS(0) at New)
	Load  float64       // load, in cores, at which the box goes to Max
	Calm  time.Duration // how long the load stays under Load/2 before going back to one
	Every time.Duration // sample period
	Log   *slog.Logger  // nil: slog.Default()
	// CPU is the process's CPU time so far, user and system (nil:
	// getrusage).
	CPU func() time.Duration
	// Set sets the number of processors (nil: runtime.GOMAXPROCS).
	Set func(n int)
}

// Controller moves the runtime between one processor and Max. Its methods
// may be called from any goroutine.
type Controller struct {
	opt  Options
	prev time.Duration // CPU time at the last sample (Run's goroutine only)
	last time.Time     // when it was taken
	calm time.Time     // since when the load has been low on Max (zero: not low)

	mu   sync.Mutex
	base int // the processors the load asks for
	lent int // Borrow calls under way
	have int // the processors the runtime has
}

// running is the Controller whose Run is under way, for Borrow.
var running atomic.Pointer[Controller]

// New makes a Controller; it changes nothing until Run.
func New(opt Options) *Controller {
	if opt.Max <= 0 {
		opt.Max = runtime.GOMAXPROCS(0)
	}
	if opt.Load <= 0 {
		opt.Load = DefaultLoad
	}
	if opt.Calm <= 0 {
		opt.Calm = DefaultCalm
	}
	if opt.Every <= 0 {
		opt.Every = DefaultEvery
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.CPU == nil {
		opt.CPU = CPUTime
	}
	if opt.Set == nil {
		opt.Set = func(n int) { runtime.GOMAXPROCS(n) }
	}
	return &Controller{opt: opt, base: opt.Max, have: opt.Max}
}

// Procs is the number of processors the load asks for, as the Controller
// last decided (Max before Run); a Borrow under way may lend one more.
func (c *Controller) Procs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base
}

// Borrow runs fn, which waits in the kernel (a durable write's fdatasync,
// milliseconds on an SD card), with a second processor for every other
// goroutine if the running Controller has the box on one. On one processor
// a goroutine in a blocking system call holds it until the call returns or
// the runtime's monitor takes it back (up to 20 ms later), and the media
// wait as long: measured, 15 ms calls twenty times a second made a 20 ms
// ticker's p99 lateness 14 ms on one processor, 1.1 ms on two or with
// Borrow. Lending costs two changes of GOMAXPROCS (each a short
// stop-the-world). Without a running Controller it only runs fn.
func Borrow(fn func()) {
	c := running.Load()
	if c == nil {
		fn()
		return
	}
	c.lend(1)
	defer c.lend(-1)
	fn()
}

// lend counts a Borrow in (d 1) or out (d -1).
func (c *Controller) lend(d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lent += d
	c.apply()
}

// apply gives the runtime what base and the loans ask for. c.mu is held.
func (c *Controller) apply() {
	want := c.base
	if c.lent > 0 {
		want = max(want, min(2, c.opt.Max))
	}
	if want != c.have {
		c.opt.Set(want)
		c.have = want
	}
}

// Run starts the box on one processor and follows its load until ctx ends,
// then gives the runtime Max processors again (shutting down may be busy).
// With Max 1 there is nothing to follow and it only waits for ctx.
func (c *Controller) Run(ctx context.Context) {
	if c.opt.Max <= 1 {
		<-ctx.Done()
		return
	}
	c.prev, c.last = c.opt.CPU(), time.Now()
	c.set(1, "start", 0)
	running.Store(c)
	defer c.set(c.opt.Max, "stop", 0)
	defer running.CompareAndSwap(c, nil)
	t := time.NewTicker(c.opt.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.step(now, c.opt.CPU())
		}
	}
}

// step takes one sample: the CPU time cpu, measured at now.
func (c *Controller) step(now time.Time, cpu time.Duration) {
	wall := now.Sub(c.last)
	if wall <= 0 {
		return
	}
	load := float64(cpu-c.prev) / float64(wall)
	c.prev, c.last = cpu, now
	switch cur := c.Procs(); {
	case cur < c.opt.Max && load >= c.opt.Load:
		c.set(c.opt.Max, "load", load)
	case cur == c.opt.Max && load < c.opt.Load/2:
		if c.calm.IsZero() {
			c.calm = now
		} else if now.Sub(c.calm) >= c.opt.Calm {
			c.set(1, "calm", load)
		}
	default:
		c.calm = time.Time{}
	}
}

// set makes n the processors the load asks for and says why.
func (c *Controller) set(n int, why string, load float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calm = time.Time{}
	if c.base == n && why != "start" {
		return
	}
	c.base = n
	c.apply()
	c.opt.Log.Info("processors", "procs", n, "why", why,
		"load", float64(int(load*100+0.5))/100)
}

// Do runs fn under Borrow and returns its error: for a database update,
// procs.Do(func() error { return db.Update(...) }).
func Do(fn func() error) error {
	var err error
	Borrow(func() { err = fn() })
	return err
}
