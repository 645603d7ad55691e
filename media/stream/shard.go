package stream

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Pacing constants.
const (
	frameDur     = 20 * time.Millisecond
	frameSamples = 160 // RTP timestamp units (8 kHz) per frame
	// maxCatchUp is the most frames sent per tick when ticks come late;
	// a longer stall is skipped (the RTP clock jumps, with the marker bit).
	maxCatchUp = 3
	// early lets a tick that comes a little before its frame is due send
	// it, so timer jitter does not alternate 0- and 2-frame ticks.
	early = 2 * time.Millisecond
)

// shard serves a set of streams from one goroutine. On the real clock (and
// where the build has a poller) it waits on its poller and handles a
// stream's packets as they arrive, ticking when a frame is due (see
// runPoll); otherwise it ticks on the clock's ticker and reads every
// stream's socket on the tick (runTick).
type shard struct {
	id    int
	clock Clock
	log   *slog.Logger
	frame time.Duration // the tick interval: frameDur (tests may stretch it)

	mu      sync.Mutex
	streams []*Stream     // guarded by mu
	poll    *poller       // nil: none (tick mode); guarded by mu, closed by the engine
	slots   []slot        // streams by poller key; guarded by mu
	free    []int32       // unused slots; guarded by mu
	scratch *scratch      // its streams' packet buffers (scratch.go); set once under mu
	idle    chan struct{} // wakes the shard when it sleeps with no stream (idle.go)

	// Owned by the shard goroutine.
	work   []*Stream // this tick's copy of streams
	next   time.Time // when the next frame is due
	active *poller   // the poller runPoll serves from; nil: registered sockets are read on the tick too
	keys   [pollBatch]uint64
	woken  []woken // the streams of this wait's keys

	afterTick func()        // test hook: called after each tick; nil in production
	skipped   atomic.Uint64 // frames skipped because the shard fell behind (late.go)
	retired   retired       // closed streams' counters (quality.go)
}

func newShard(id int, clock Clock, log *slog.Logger) *shard {
	return &shard{id: id, clock: clock, log: log, frame: frameDur, woken: make([]woken, 0, pollBatch),
		idle: make(chan struct{}, 1)}
}

// add starts serving s, registering its sockets with the poller if the
// shard has one. A stream closed already is not added: its Close may have
// run remove before.
func (sh *shard) add(s *Stream) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s.closed.Load() {
		return
	}
	if sh.poll != nil {
		sh.registerLocked(s)
	}
	sh.streams = append(sh.streams, s)
	sh.wakeIdle()
}

// remove stops serving s and unregisters its sockets; the caller closes
// them only after this returns, so the poller never holds a descriptor
// number that may have been reused.
func (sh *shard) remove(s *Stream) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s.slot >= 0 {
		sh.unregisterLocked(s)
	}
	for i, x := range sh.streams {
		if x == s {
			last := len(sh.streams) - 1
			sh.streams[i] = sh.streams[last]
			sh.streams[last] = nil
			sh.streams = sh.streams[:last]
			return
		}
	}
}

func (sh *shard) load() int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.streams)
}

// closePoll closes the poller, once the shard goroutine has stopped.
func (sh *shard) closePoll() {
	sh.mu.Lock()
	p := sh.poll
	sh.poll = nil
	sh.mu.Unlock()
	if p != nil {
		if err := p.close(); err != nil {
			sh.log.Warn("rtp poller close failed", "err", err)
		}
	}
}

// run serves the streams until ctx is done: by readiness if the shard has
// a poller, else (or if the poller fails) on the clock's ticker.
func (sh *shard) run(ctx context.Context) {
	sh.mu.Lock()
	p := sh.poll
	sh.mu.Unlock()
	if p != nil {
		err := sh.runPoll(ctx, p)
		if err == nil {
			return
		}
		sh.log.Error("rtp poller failed; reading every socket on the tick", "err", err)
	}
	sh.runTick(ctx)
}

// runTick ticks every frame until ctx is done.
func (sh *shard) runTick(ctx context.Context) {
	sh.next = sh.clock.Now().Add(sh.frame)
	ticks, stop := sh.clock.NewTicker(sh.frame)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
		send, skip := sh.due(sh.clock.Now())
		sh.tick(send, skip)
		if sh.afterTick != nil {
			sh.afterTick()
		}
	}
}

// due returns how many frames to send now (at most maxCatchUp) and how many
// to skip because the shard fell further behind.
func (sh *shard) due(now time.Time) (send, skip int) {
	now = now.Add(early)
	for send < maxCatchUp && !now.Before(sh.next) {
		send++
		sh.next = sh.next.Add(sh.frame)
	}
	if !now.Before(sh.next) {
		skip = int(now.Sub(sh.next)/sh.frame) + 1
		sh.next = sh.next.Add(time.Duration(skip) * sh.frame)
		sh.skipped.Add(uint64(skip))
		sh.log.Warn("rtp shard fell behind; frames skipped", "frames", skip)
	}
	return send, skip
}

// tick serves every stream once. While polling, it also handles the
// sockets that became readable every pollEvery streams, so a long sweep
// does not hold up a key press.
func (sh *shard) tick(send, skip int) {
	sh.mu.Lock()
	sh.work = append(sh.work[:0], sh.streams...)
	sh.mu.Unlock()
	for i, s := range sh.work {
		sh.serve(s, send, skip)
		sh.work[i] = nil
		if sh.active != nil && (i+1)%pollEvery == 0 {
			_ = sh.pollReady(0) // a failing poller is seen by the next wait
		}
	}
}

// serve runs one stream's tick; a panic closes that stream only. While the
// shard polls, the sockets registered with the poller are not read on the
// tick.
func (sh *shard) serve(s *Stream, send, skip int) {
	defer sh.recoverStream(s)
	polling := sh.active != nil
	s.tick(send, skip, !polling || !s.polled, !polling || !s.rtcpPolled)
}

// recoverStream, deferred, closes a stream whose work panicked.
func (sh *shard) recoverStream(s *Stream) {
	if r := recover(); r != nil {
		s.log.Error("rtp stream panicked; closing it", "panic", r)
		_ = s.Close()
	}
}
