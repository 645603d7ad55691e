package fork

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// frameDur is the forker's tick: one frame of a stream's clock.
const frameDur = 20 * time.Millisecond

// readBatch is how many frames the forker takes from a tap at a time.
const readBatch = 8

var errNoSource = errors.New("fork: no stream to fork")

// Forker runs the media forks of a box: one UDP socket and one goroutine
// that, every 20 ms, drains each fork's tap and sends its frames, in
// batches of sendBatch packets; a tick of many forks is spread over a few
// helper goroutines (see perSender).
type Forker struct {
	opts  Options
	log   *slog.Logger
	clock Clock
	sock  *sock
	local netip.AddrPort // the socket's address

	mu     sync.Mutex
	forks  []*Fork       // running forks; guarded by mu
	n      int           // running and starting forks; guarded by mu
	closed bool          // guarded by mu
	idle   chan struct{} // wakes run when the first fork registers (idle.go)

	// tickMu is held by the goroutine while it serves a tick; Stop takes
	// it to wait a tick out.
	tickMu sync.Mutex

	// Owned by the goroutine.
	work    []*Fork        // this tick's copy of forks
	senders []*sender      // senders[0] is the goroutine; the others its helpers
	tickWG  sync.WaitGroup // the helpers still serving their share of a tick

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New opens the forker's socket and starts its goroutine. Close stops it.
func New(opts Options) (*Forker, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := openSock(opts.Local, opts.Broadcast)
	if err != nil {
		return nil, err
	}
	if n := sendBuffer(opts.MaxForks); n > 0 {
		_ = s.c.SetWriteBuffer(n) // best effort: a smaller buffer drops more of a burst
	}
	fk := &Forker{opts: opts, log: opts.Log, clock: opts.Clock, sock: s, local: s.local(), idle: make(chan struct{}, 1)}
	fk.senders = make([]*sender, senderCount(opts, runtime.GOMAXPROCS(0)))
	for i := range fk.senders {
		fk.senders[i] = &sender{fk: fk}
		if i > 0 {
			fk.senders[i].kick = make(chan time.Time)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	fk.cancel = cancel
	ticks, stop := opts.Clock.NewTicker(frameDur)
	fk.wg.Go(func() { fk.run(ctx, ticks, stop) })
	fk.log.Info("media forker started", "local", fk.local, "max_forks", opts.MaxForks,
		"senders", len(fk.senders))
	return fk, nil
}

// Local returns the address and port the forker sends from.
func (fk *Forker) Local() netip.AddrPort { return fk.local }

// Len returns the number of running forks.
func (fk *Forker) Len() int {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	return len(fk.forks)
}

// Close stops every fork, the goroutine and the socket, and waits for
// them. It is idempotent; Start fails with ErrClosed afterwards.
func (fk *Forker) Close() error {
	var err error
	fk.closeOnce.Do(func() {
		fk.mu.Lock()
		fk.closed = true
		fk.mu.Unlock()
		fk.cancel()
		fk.wg.Wait()
		fk.mu.Lock()
		forks := slices.Clone(fk.forks)
		fk.mu.Unlock()
		for _, f := range forks {
			f.finish(false)
		}
		err = fk.sock.close()
		fk.log.Info("media forker stopped")
	})
	return err
}

// Start attaches a fork of src's audio, sent as spec says, and returns it.
// A zero target in spec sends nothing in that direction; at least one
// must be set. Start checks only that each target is an address packets
// can go to (not unspecified, not port 0, of a family the socket reaches):
// the Policy is the caller's to check. It fails with ErrNoTarget,
// ErrTarget, ErrLimit, ErrClosed, or the error of src.AddSink.
func (fk *Forker) Start(src Attacher, spec Spec) (*Fork, error) {
	if src == nil {
		return nil, errNoSource
	}
	if err := fk.checkSpec(&spec); err != nil {
		return nil, err
	}
	if err := fk.reserve(); err != nil {
		return nil, err
	}
	f := &Fork{fk: fk, src: src, spec: spec, tap: stream.NewTap(fk.opts.Ring),
		done: make(chan struct{}),
		log:  fk.log.With("fork", short(spec.ID), "call", short(spec.Call))}
	f.last = fk.clock.Now()
	ts := rand.Uint32()
	f.in.init(spec.In, 0, ts)
	f.out.init(spec.Out, f.in.hdr.SSRC, ts)
	if err := src.AddSink(f.tap); err != nil {
		fk.release()
		return nil, fmt.Errorf("fork: attach: %w", err)
	}
	if err := fk.register(f); err != nil {
		src.RemoveSink(f.tap)
		return nil, err
	}
	f.log.Info("media fork started", "in", spec.In, "out", spec.Out)
	return f, nil
}

// checkSpec checks and normalises spec's targets.
func (fk *Forker) checkSpec(spec *Spec) error {
	if spec.In == (netip.AddrPort{}) && spec.Out == (netip.AddrPort{}) {
		return ErrNoTarget
	}
	for _, t := range []*netip.AddrPort{&spec.In, &spec.Out} {
		if *t == (netip.AddrPort{}) {
			continue
		}
		a := t.Addr().Unmap()
		switch {
		case !a.IsValid(), a.IsUnspecified(), t.Port() == 0, a.Zone() != "":
			return fmt.Errorf("%w: %v: not an address to send to", ErrTarget, *t)
		case !fk.sock.reaches(a):
			return fmt.Errorf("%w: %v: %w (local %v)", ErrTarget, *t, errFamily, fk.Local())
		}
		*t = netip.AddrPortFrom(a, t.Port())
	}
	return nil
}

// reserve takes a fork slot.
func (fk *Forker) reserve() error {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	switch {
	case fk.closed:
		return ErrClosed
	case fk.n >= fk.opts.MaxForks:
		return fmt.Errorf("%w: %d running", ErrLimit, fk.opts.MaxForks)
	}
	fk.n++
	return nil
}

// release gives a reserved slot back.
func (fk *Forker) release() {
	fk.mu.Lock()
	fk.n--
	fk.mu.Unlock()
}

// register adds a fork whose slot is reserved to the running forks.
func (fk *Forker) register(f *Fork) error {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	if fk.closed {
		fk.n--
		return ErrClosed
	}
	fk.forks = append(fk.forks, f)
	fk.wakeIdle()
	return nil
}

// remove takes f off the running forks and frees its slot.
func (fk *Forker) remove(f *Fork) {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	if i := slices.Index(fk.forks, f); i >= 0 {
		fk.forks = slices.Delete(fk.forks, i, i+1)
		fk.n--
	}
}

// run serves a tick every 20 ms until ctx is done. It starts the helper
// senders and stops them when it returns.
func (fk *Forker) run(ctx context.Context, ticks <-chan time.Time, stop func()) {
	defer stop()
	var helpers sync.WaitGroup
	for _, s := range fk.senders[1:] {
		helpers.Go(s.help)
	}
	defer func() {
		for _, s := range fk.senders[1:] {
			close(s.kick)
		}
		helpers.Wait()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-fk.idle:
			continue // a fork registered: tick from now on
		case <-fk.ticks(ticks):
		}
		fk.tick()
		if fk.opts.afterTick != nil {
			fk.opts.afterTick()
		}
	}
}

// tick serves every running fork once, its forks split between the
// senders it needs (the goroutine serving the first share itself), then
// stops those that panicked or went idle.
func (fk *Forker) tick() {
	fk.tickMu.Lock()
	fk.mu.Lock()
	fk.work = append(fk.work[:0], fk.forks...)
	fk.mu.Unlock()
	now := fk.clock.Now()
	fk.sock.begin()
	n, used := len(fk.work), fk.share(len(fk.work))
	for i := used - 1; i >= 0; i-- {
		s := fk.senders[i]
		s.work = fk.work[i*n/used : (i+1)*n/used]
		if i > 0 {
			fk.tickWG.Add(1)
			s.kick <- now
		}
	}
	fk.senders[0].serveAll(now)
	fk.tickWG.Wait() // every share sent: Stop returns after its last packets left
	fk.tickMu.Unlock()
	for _, s := range fk.senders[:used] {
		for i, f := range s.failed {
			f.finish(false)
			s.failed[i] = nil
		}
		s.failed = s.failed[:0]
	}
}
