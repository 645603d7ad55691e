package stream

import (
	"context"
	"log/slog"
	"sync"
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

// shard serves a set of streams from one goroutine and one ticker.
type shard struct {
	id    int
	clock Clock
	log   *slog.Logger

	mu      sync.Mutex
	streams []*Stream // guarded by mu

	// Owned by the shard goroutine.
	work []*Stream // this tick's copy of streams
	next time.Time // when the next frame is due

	afterTick func() // test hook: called after each tick; nil in production
}

func newShard(id int, clock Clock, log *slog.Logger) *shard {
	return &shard{id: id, clock: clock, log: log}
}

func (sh *shard) add(s *Stream) {
	sh.mu.Lock()
	sh.streams = append(sh.streams, s)
	sh.mu.Unlock()
}

func (sh *shard) remove(s *Stream) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
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

// run ticks every 20 ms until ctx is done.
func (sh *shard) run(ctx context.Context) {
	sh.next = sh.clock.Now().Add(frameDur)
	ticks, stop := sh.clock.NewTicker(frameDur)
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
		sh.next = sh.next.Add(frameDur)
	}
	if !now.Before(sh.next) {
		skip = int(now.Sub(sh.next)/frameDur) + 1
		sh.next = sh.next.Add(time.Duration(skip) * frameDur)
		sh.log.Warn("rtp shard fell behind; frames skipped", "frames", skip)
	}
	return send, skip
}

// tick serves every stream once.
func (sh *shard) tick(send, skip int) {
	sh.mu.Lock()
	sh.work = append(sh.work[:0], sh.streams...)
	sh.mu.Unlock()
	for i, s := range sh.work {
		sh.serve(s, send, skip)
		sh.work[i] = nil
	}
}

// serve runs one stream's tick; a panic closes that stream only.
func (sh *shard) serve(s *Stream, send, skip int) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("rtp stream panicked; closing it", "panic", r)
			_ = s.Close()
		}
	}()
	s.tick(send, skip)
}
