package main

import (
	"testing"
	"time"
)

// TestInviteRetransmission: an unanswered INVITE is retransmitted after
// T1, 2*T1, 4*T1... from the first send (RFC 3261 timer A, doubling without
// the T2 cap), and the call fails at timer B (64*T1); an answered one is
// not retransmitted again. The clock is the test's.
func TestInviteRetransmission(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	p := newPending()
	lost, answered := &lcall{id: "lost"}, &lcall{id: "answered"}
	p.sent(lost, t0)
	p.sent(answered, t0)
	var sends []time.Duration // offsets of lost's retransmissions
	for ms := 0; ms <= 40_000; ms += 10 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		if ms == 600 {
			p.answered(answered) // its 100 Trying or 200 came after one retransmission
		}
		p.poll(now, func(c *lcall) {
			if c == lost {
				sends = append(sends, now.Sub(t0))
			} else if ms > 600 {
				t.Errorf("answered call retransmitted at %v", now.Sub(t0))
			}
		})
	}
	want := []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond, 3500 * time.Millisecond,
		7500 * time.Millisecond, 15500 * time.Millisecond, 31500 * time.Millisecond}
	if len(sends) != len(want) {
		t.Fatalf("retransmitted at %v, want %v", sends, want)
	}
	for i := range want {
		if sends[i] != want[i] {
			t.Fatalf("retransmitted at %v, want %v", sends, want)
		}
	}
	if !lost.failed.Load() || answered.failed.Load() {
		t.Errorf("failed: lost %v, answered %v; want true, false", lost.failed.Load(), answered.failed.Load())
	}
	if p.len() != 0 {
		t.Errorf("%d INVITEs still pending after timer B", p.len())
	}
}
