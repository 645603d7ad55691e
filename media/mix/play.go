package mix

import (
	"slices"
	"sync"
	"sync/atomic"
)

// player holds the audio queued with Room.Play. Play and StopPlay change
// the queue under mu; the tick only tries the lock (it never waits on
// it) to take the next clip, and otherwise owns cur and off.
type player struct {
	mu      sync.Mutex
	queue   [][]int16    // clips waiting; guarded by mu
	pending atomic.Int64 // clips queued or playing
	stop    atomic.Bool

	// Used by the tick only.
	cur []int16 // the clip playing; nil if none
	off int     // samples of it played
}

// Play queues 8 kHz linear PCM that every member of the room hears, after
// what is already queued (prompts, join and leave tones). It copies pcm
// and returns at once; the audio is added to the room's mix one frame per
// tick, with the same saturation as the members' voices. Playing into a
// closed room does nothing.
func (r *Room) Play(pcm []int16) {
	if len(pcm) == 0 {
		return
	}
	clip := slices.Clone(pcm)
	p := &r.play
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.closed.Load() { // checked under mu: Close's StopPlay comes after
		return
	}
	p.queue = append(p.queue, clip)
	p.pending.Add(1)
}

// StopPlay drops what Play queued: the clip playing stops at the next tick,
// the others never play. Audio queued after StopPlay returns plays.
func (r *Room) StopPlay() {
	p := &r.play
	p.mu.Lock()
	for i := range p.queue {
		p.queue[i] = nil
	}
	p.pending.Add(-int64(len(p.queue)))
	p.queue = p.queue[:0]
	p.stop.Store(true)
	p.mu.Unlock()
}

// Playing reports whether audio queued with Play is still playing or
// waiting to.
func (r *Room) Playing() bool { return r.play.pending.Load() > 0 }

// next starts the room's sum for this tick: the next frame of the clip
// playing (zero past its end), or silence.
func (p *player) next(sum *sumFrame) {
	if p.stop.Swap(false) && p.cur != nil {
		p.end()
	}
	if p.cur == nil && p.mu.TryLock() {
		if len(p.queue) > 0 {
			p.cur, p.off = p.queue[0], 0
			p.queue[0] = nil
			p.queue = p.queue[1:]
		}
		p.mu.Unlock()
	}
	n := 0
	if p.cur != nil {
		n = min(len(p.cur)-p.off, frameSamples)
		for i, s := range p.cur[p.off : p.off+n] {
			sum[i] = int32(s)
		}
		p.off += n
		if p.off == len(p.cur) {
			p.end()
		}
	}
	clear(sum[n:])
}

// end finishes the clip playing.
func (p *player) end() {
	p.cur = nil
	p.pending.Add(-1)
}
