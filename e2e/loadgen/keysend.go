package main

import (
	"container/heap"
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Key presses (-keys): every call sends one RFC 4733 key press every
// keyPeriod, the calls' presses spread evenly over the period. A press's
// first packet goes out at its own moment, not on the audio sender's 20 ms
// tick, so the presses fall on every phase of the box's media clock (as a
// real phone's do) and the latency measured does not depend on how the
// load generator's ticker happens to line up with the box's.
const (
	keyPeriod = 2 * time.Second
	keyFrames = 8   // packets of one press, 20 ms apart: 5 of growing duration, then 3 end packets
	keyPT     = 101 // telephone-event payload type, as the INVITE offers it
	keyDigits = "0123456789"
)

// keyState is one call's key presses. until is read by the audio sender;
// presses is guarded by mu; the rest belong to the key sender goroutine.
type keyState struct {
	until   atomic.Uint64 // audio frames up to this one are replaced by the press in progress
	frame0  uint64        // the audio frame before the press in progress
	digit   byte
	n       int      // presses started
	buf     [16]byte // one packet: RTP header and telephone-event payload
	mu      sync.Mutex
	presses []keyPress
}

// keyItem is a packet due: packet j of c's press that starts at start.
type keyItem struct {
	at, start time.Time
	c         *lcall
	j         int
}

// keyQueue is a min-heap of keyItems by due time.
type keyQueue []keyItem

func (q keyQueue) Len() int           { return len(q) }
func (q keyQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q keyQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *keyQueue) Push(x any)        { *q = append(*q, x.(keyItem)) }
func (q *keyQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// sendKeys sends the presses of calls, the first of call i at start +
// i*keyPeriod/len(calls) plus a sub-frame offset that spreads the presses
// over the 20 ms of a frame whatever the number of calls, until k.on is
// cleared (presses in progress are finished) or ctx ends.
func (g *gen) sendKeys(ctx context.Context, calls []*lcall, start time.Time) {
	q := make(keyQueue, 0, len(calls))
	for i, c := range calls {
		sub := time.Duration(i*7919%20000) * time.Microsecond // 7919 is prime: every phase in turn
		t := start.Add(time.Duration(i)*keyPeriod/time.Duration(len(calls)) + sub)
		q = append(q, keyItem{at: t, start: t, c: c})
	}
	heap.Init(&q)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for q.Len() > 0 {
		if wait := time.Until(q[0].at); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		it := heap.Pop(&q).(keyItem)
		c := it.c
		if c.ended.Load() || (it.j == 0 && !g.keys.on.Load()) {
			continue
		}
		g.sendKeyPacket(c, it.j)
		if it.j+1 < keyFrames {
			heap.Push(&q, keyItem{at: it.at.Add(20 * time.Millisecond), start: it.start, c: c, j: it.j + 1})
		} else {
			next := it.start.Add(keyPeriod)
			heap.Push(&q, keyItem{at: next, start: next, c: c})
		}
	}
}

// sendKeyPacket sends packet j of c's press; packet 0 starts the press and
// notes when it left (just before the write).
func (g *gen) sendKeyPacket(c *lcall, j int) {
	s := &c.keys
	if j == 0 {
		s.frame0 = g.frame.Load()
		s.until.Store(s.frame0 + keyFrames) // the audio sender skips the frames the press takes
		s.digit = keyDigits[s.n%len(keyDigits)]
		s.n++
	}
	b := s.buf[:]
	seq, ts := uint16(s.frame0+1+uint64(j)), uint32(s.frame0+1)*160
	b[0], b[1] = 0x80, keyPT
	if j == 0 {
		b[1] |= 0x80 // marker on the first packet of the event
	}
	b[2], b[3] = byte(seq>>8), byte(seq)
	b[4], b[5], b[6], b[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	b[12] = s.digit - '0'
	b[13] = 10 // volume
	if j >= 5 {
		b[13] |= 0x80 // end
	}
	dur := 160 * min(j+1, 5)
	b[14], b[15] = byte(dur>>8), byte(dur)
	if j == 0 { // noted before it leaves, so its event can never come first
		sent := time.Now()
		s.mu.Lock()
		s.presses = append(s.presses, keyPress{digit: s.digit, sent: sent})
		s.mu.Unlock()
		g.keys.sent.Add(1)
	}
	_, _ = g.rtp.WriteToUDP(b, c.boxRTP)
}
