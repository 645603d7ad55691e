package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// keyPress is one key a call sent: its digit, when its first packet left,
// and whether its dtmf.digit event came.
type keyPress struct {
	digit   byte
	sent    time.Time
	matched bool
}

// keyer sends the key presses (keysend.go) and matches them with the
// box's dtmf.digit events from the SSE stream.
type keyer struct {
	on   atomic.Bool // presses may start
	sent atomic.Int64

	mu        sync.Mutex // guards the fields below
	lat       []keyLatency
	unknown   int             // dtmf.digit events of calls we do not know
	unmatched int             // dtmf.digit events with no press of that digit waiting
	fallback  int             // events matched through the event's own sip_call_id
	seen      map[uint64]bool // event sequence numbers read (events of different calls may come out of order)
	events    int
}

// keyLatency is the time from a press's first packet to its event on the
// SSE stream (total), and to the event's own time stamp, set when the box
// published it (box); total-box is the delivery by the SSE stream.
type keyLatency struct{ total, box time.Duration }

// match pairs a dtmf.digit event published at pub that arrived at at with
// c's oldest press of that digit still waiting.
func (k *keyer) match(c *lcall, digit string, pub, at time.Time) {
	s := &c.keys
	s.mu.Lock()
	var l keyLatency
	found := false
	for i := range s.presses {
		p := &s.presses[i]
		if !p.matched && len(digit) == 1 && p.digit == digit[0] {
			p.matched, l, found = true, keyLatency{at.Sub(p.sent), pub.Sub(p.sent)}, true
			break
		}
	}
	s.mu.Unlock()
	k.mu.Lock()
	if found {
		k.lat = append(k.lat, l)
	} else {
		k.unmatched++
	}
	k.mu.Unlock()
}

// sseEvent is the part of a dtmf.digit event the load generator reads.
type sseEvent struct {
	Time   time.Time `json:"time"`
	CallID string    `json:"callid"`
	Digit  string    `json:"digit"`
	Call   *struct {
		SIPCallID string `json:"sip_call_id"`
	} `json:"call"`
}

// readEvents reads the SSE stream until it ends, closing ready once the
// box has subscribed it. byBox maps box call ids to calls; bySIP finds a
// call by SIP Call-ID for events of calls byBox does not know.
func (k *keyer) readEvents(body io.Reader, ready chan<- struct{}, byBox map[string]*lcall, bySIP func(string) *lcall) {
	r := bufio.NewReaderSize(body, 1<<20)
	digit := false
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case bytes.HasPrefix(line, []byte(": ivrbox events")):
			if ready != nil {
				close(ready)
				ready = nil
			}
		case bytes.HasPrefix(line, []byte("id: ")):
			seq, _ := strconv.ParseUint(string(line[4:]), 10, 64)
			k.mu.Lock()
			if k.seen == nil {
				k.seen = map[uint64]bool{}
			}
			k.seen[seq] = true
			k.events++
			k.mu.Unlock()
		case bytes.HasPrefix(line, []byte("event: ")):
			digit = string(line[7:]) == "dtmf.digit"
		case bytes.HasPrefix(line, []byte("data: ")) && digit:
			at := time.Now()
			digit = false
			k.event(line[6:], at, byBox, bySIP)
		}
	}
}

// event handles the data of one dtmf.digit event.
func (k *keyer) event(data []byte, at time.Time, byBox map[string]*lcall, bySIP func(string) *lcall) {
	var e sseEvent
	if json.Unmarshal(data, &e) != nil {
		return
	}
	c := byBox[e.CallID]
	if c == nil && e.Call != nil {
		if c = bySIP(e.Call.SIPCallID); c != nil {
			k.mu.Lock()
			k.fallback++
			k.mu.Unlock()
		}
	}
	if c == nil {
		k.mu.Lock()
		k.unknown++
		k.mu.Unlock()
		return
	}
	k.match(c, e.Digit, e.Time, at)
}

// waitMatched waits up to d for every press sent to have its event.
func (k *keyer) waitMatched(ctx context.Context, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		k.mu.Lock()
		n := int64(len(k.lat))
		k.mu.Unlock()
		if n >= k.sent.Load() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// keyResult is what the key presses measured.
type keyResult struct {
	sent, matched                        int64
	total, box, delivery                 percentiles
	unknown, unmatched, fallback, events int
	seqGaps                              uint64
	outbox                               int64 // events the box's outbox delivered to the sink
	cdrCalls                             int   // call records of our calls
	detected                             int64 // keys in those records
	cdrErr                               error
	outboxStats                          delivery // the box's outbox counters at the end of the window
	outboxErr                            error
}

// percentiles of a set of durations.
type percentiles struct{ p50, p90, p99, max time.Duration }

func newPercentiles(d []time.Duration) percentiles {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	n := len(d)
	if n == 0 {
		return percentiles{}
	}
	q := func(p float64) time.Duration { return d[max(int(math.Ceil(p*float64(n)))-1, 0)] } // nearest rank
	return percentiles{q(0.50), q(0.90), q(0.99), d[n-1]}
}

func (p percentiles) String() string {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return fmt.Sprintf("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms", ms(p.p50), ms(p.p90), ms(p.p99), ms(p.max))
}

func (k *keyer) result() keyResult {
	k.mu.Lock()
	defer k.mu.Unlock()
	var total, box, delivery []time.Duration
	for _, l := range k.lat {
		total, box, delivery = append(total, l.total), append(box, l.box), append(delivery, l.total-l.box)
	}
	return keyResult{sent: k.sent.Load(), matched: int64(len(k.lat)), total: newPercentiles(total),
		box: newPercentiles(box), delivery: newPercentiles(delivery), unknown: k.unknown,
		unmatched: k.unmatched, fallback: k.fallback, events: k.events, seqGaps: missing(k.seen)}
}

func (r keyResult) print() {
	fmt.Printf("key presses:        %d sent, %d events matched, %d lost\n", r.sent, r.matched, r.sent-r.matched)
	fmt.Printf("key-to-SSE latency: %v\n", r.total)
	fmt.Printf("  to publish:       %v (first packet sent -> the event's time)\n", r.box)
	fmt.Printf("  SSE delivery:     %v (the event's time -> read from the stream)\n", r.delivery)
	if r.cdrErr != nil {
		fmt.Printf("call records:       %v\n", r.cdrErr)
	} else {
		fmt.Printf("call records:       %d of our calls, %d keys heard by the box (%d lost before the box, %d lost on the SSE stream)\n",
			r.cdrCalls, r.detected, r.sent-r.detected, r.detected-r.matched)
	}
	fmt.Printf("SSE stream:         %d events, %d missed (seq gaps), dtmf.digit unknown call %d, no press waiting %d, matched by event sip_call_id %d\n",
		r.events, r.seqGaps, r.unknown, r.unmatched, r.fallback)
	d := r.outboxStats
	fmt.Printf("outbox:             %d events delivered to the app URL sink; the box says %d delivered, %d pending, %d retried, %d dropped",
		r.outbox, d.Delivered, d.Pending, d.Retried, d.Dropped)
	if r.outboxErr != nil {
		fmt.Printf(" (%v)", r.outboxErr)
	}
	fmt.Println()
}

// missing counts the sequence numbers between the lowest and the highest
// of seen that are not in it: events the stream never carried.
func missing(seen map[uint64]bool) uint64 {
	if len(seen) == 0 {
		return 0
	}
	lo, hi := uint64(1<<64-1), uint64(0)
	for s := range seen {
		lo, hi = min(lo, s), max(hi, s)
	}
	return hi - lo + 1 - uint64(len(seen))
}
