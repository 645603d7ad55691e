package main

import (
	"sync"
	"time"
)

// RFC 3261 timers for the INVITE client transaction over UDP.
const (
	timerT1 = 500 * time.Millisecond
	timerB  = 64 * timerT1 // no final answer by then: the call failed
)

// inviteTimer is one INVITE's timer A: sent first at start, retransmitted
// after T1, then after each doubled interval (RFC 3261 section 17.1.1.2:
// no T2 cap for INVITE), given up at timer B.
type inviteTimer struct {
	start    time.Time
	next     time.Time     // when the next retransmission is due
	interval time.Duration // the wait before next
}

func newInviteTimer(now time.Time) inviteTimer {
	return inviteTimer{start: now, next: now.Add(timerT1), interval: timerT1}
}

// due reports at now whether to retransmit (and moves to the next
// interval) or to give up.
func (t *inviteTimer) due(now time.Time) (resend, giveUp bool) {
	if !now.Before(t.start.Add(timerB)) {
		return false, true
	}
	if now.Before(t.next) {
		return false, false
	}
	t.interval *= 2
	t.next = t.next.Add(t.interval)
	return true, false
}

// pending is the set of INVITEs without an answer: calls enter when their
// INVITE is first sent and leave on any response (a provisional one stops
// timer A too) or at timer B.
type pending struct {
	mu    sync.Mutex
	calls map[*lcall]*inviteTimer
}

func newPending() *pending { return &pending{calls: map[*lcall]*inviteTimer{}} }

// sent starts c's timer at now.
func (p *pending) sent(c *lcall, now time.Time) {
	t := newInviteTimer(now)
	p.mu.Lock()
	p.calls[c] = &t
	p.mu.Unlock()
}

// answered stops c's timer.
func (p *pending) answered(c *lcall) {
	p.mu.Lock()
	delete(p.calls, c)
	p.mu.Unlock()
}

// len is the number of INVITEs awaiting a response.
func (p *pending) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// poll retransmits, through resend, every INVITE whose timer A fired by
// now and fails those past timer B; it returns the numbers of each.
func (p *pending) poll(now time.Time, resend func(*lcall)) (resent, failed int) {
	p.mu.Lock()
	var due []*lcall
	for c, t := range p.calls {
		again, giveUp := t.due(now)
		switch {
		case giveUp:
			delete(p.calls, c)
			c.failed.Store(true)
			failed++
		case again:
			due = append(due, c)
		}
	}
	p.mu.Unlock()
	for _, c := range due {
		resend(c)
	}
	return len(due), failed
}
