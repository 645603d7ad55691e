package stream

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// Readiness tuning.
const (
	// pollBatch is the most readable sockets one wait hands over; more are
	// reported by the next (the poller is level-triggered).
	pollBatch = 128
	// pollEvery is how many streams a tick serves between two looks at the
	// poller, so packets that arrive during a long sweep wait for at most
	// this many streams' work.
	pollEvery = 64
	// wakeKey is the poller key of the shard's wake-up, which no slot has.
	wakeKey = ^uint64(0)
	// rtcpKey marks the key of a stream's RTCP socket.
	rtcpKey = 1 << 31
)

// slot maps a poller key to a stream: the key is the slot's index (with
// rtcpKey for the RTCP socket) and its generation, so an event that was
// already returned for a stream that has since gone never reaches the
// stream that took its slot.
type slot struct {
	s   *Stream
	gen uint32
}

func (sl slot) key(i int32, rtcp bool) uint64 {
	k := uint32(i)
	if rtcp {
		k |= rtcpKey
	}
	return uint64(k) | uint64(sl.gen)<<32
}

// woken is a readable socket of a stream.
type woken struct {
	s    *Stream
	rtcp bool // the RTCP socket, else the RTP one
}

// registerLocked registers s's sockets with the poller. A socket whose
// registration fails is read on the tick; the RTCP socket is registered
// only if the RTP one is.
func (sh *shard) registerLocked(s *Stream) {
	i := sh.takeSlotLocked(s)
	if err := sh.poll.add(s.rtp, sh.slots[i].key(i, false)); err != nil {
		sh.freeSlotLocked(i)
		sh.log.Warn("rtp socket read on the tick only", "rtp_port", s.port, "err", err)
		return
	}
	s.slot, s.polled = i, true
	if err := sh.poll.add(s.rtcp, sh.slots[i].key(i, true)); err != nil {
		sh.log.Warn("rtcp socket read on the tick only", "rtp_port", s.port, "err", err)
		return
	}
	s.rtcpPolled = true
}

// unregisterLocked undoes registerLocked.
func (sh *shard) unregisterLocked(s *Stream) {
	if sh.poll != nil { // else closed, which unregistered everything
		var errs [2]error
		errs[0] = sh.poll.remove(s.rtp)
		if s.rtcpPolled {
			errs[1] = sh.poll.remove(s.rtcp)
		}
		if err := errors.Join(errs[:]...); err != nil {
			sh.log.Warn("rtp socket unregistration failed", "rtp_port", s.port, "err", err)
		}
	}
	sh.freeSlotLocked(s.slot)
	s.slot = -1
}

// takeSlotLocked gives s a slot and returns its index.
func (sh *shard) takeSlotLocked(s *Stream) int32 {
	var i int32
	if n := len(sh.free); n > 0 {
		i = sh.free[n-1]
		sh.free = sh.free[:n-1]
	} else {
		i = int32(len(sh.slots))
		sh.slots = append(sh.slots, slot{})
	}
	sh.slots[i].s = s
	return i
}

// freeSlotLocked empties slot i; its next stream gets another generation.
func (sh *shard) freeSlotLocked(i int32) {
	sh.slots[i] = slot{gen: sh.slots[i].gen + 1}
	sh.free = append(sh.free, i)
}

// lookupLocked returns the stream and socket of a poller key; the stream
// is nil for the wake-up, or a stream removed since the key was returned.
func (sh *shard) lookupLocked(key uint64) woken {
	i, gen := uint32(key)&^rtcpKey, uint32(key>>32)
	if int(i) >= len(sh.slots) || sh.slots[i].gen != gen {
		return woken{}
	}
	return woken{sh.slots[i].s, uint32(key)&rtcpKey != 0}
}

// runPoll serves the streams until ctx is done, waiting on the poller
// until a registered socket is readable or the next frame is due: a
// readable stream's packets are handled, and the keys among them reported,
// as soon as they arrive; the tick sends the frames when they are due. It
// returns an error only if the poller fails (then nothing is served).
func (sh *shard) runPoll(ctx context.Context, p *poller) error {
	stop := context.AfterFunc(ctx, p.wake)
	defer stop()
	sh.active = p
	defer func() { sh.active = nil }()
	sh.next = sh.clock.Now().Add(sh.frame)
	for ctx.Err() == nil {
		if sh.sleepIdle(ctx) {
			continue
		}
		if err := sh.pollReady(sh.next.Sub(sh.clock.Now()) - early); err != nil {
			return err
		}
		if ctx.Err() != nil {
			break
		}
		if send, skip := sh.due(sh.clock.Now()); send+skip > 0 {
			sh.tick(send, skip)
			if sh.afterTick != nil {
				sh.afterTick()
			}
		}
	}
	return nil
}

// pollReady handles the streams whose sockets are readable on the active
// poller, waiting up to timeout (none if not positive) for one.
func (sh *shard) pollReady(timeout time.Duration) error {
	n, err := sh.active.wait(timeout, sh.keys[:])
	if err != nil || n == 0 {
		return err
	}
	sh.mu.Lock()
	for _, k := range sh.keys[:n] {
		if w := sh.lookupLocked(k); w.s != nil {
			sh.woken = append(sh.woken, w)
		}
	}
	sh.mu.Unlock()
	keys := 0
	for i, w := range sh.woken {
		keys += sh.serveReady(w.s, w.rtcp)
		sh.woken[i] = woken{}
	}
	sh.woken = sh.woken[:0]
	if keys > 0 {
		// The keys' receivers (a call's executor) were just made
		// runnable on this goroutine's P. Let them run now: the next
		// poller wait is a blocking system call, and a goroutine queued
		// behind one waits until the runtime takes the P back, up to
		// milliseconds later under load.
		runtime.Gosched()
	}
	return nil
}

// serveReady handles the packets of a stream's readable socket; a panic
// closes that stream only.
func (sh *shard) serveReady(s *Stream, rtcp bool) (keys int) {
	defer sh.recoverStream(s)
	if rtcp {
		s.readyRTCP()
		return 0
	}
	return s.ready()
}
