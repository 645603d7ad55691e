package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Key presses (-keys): every call sends one RFC 4733 key press every
// keyPeriod ticks, the calls' presses spread evenly over the period.
const (
	keyPeriod = 100 // ticks of 20 ms between two presses of a call (2 s)
	keyFrames = 8   // packets of one press: 5 of growing duration, then 3 end packets
	keyPT     = 101 // telephone-event payload type, as the INVITE offers it
	keyDigits = "0123456789"
)

// keyPress is one key a call sent: its digit, when its first packet left,
// and whether its dtmf.digit event came.
type keyPress struct {
	digit   byte
	sent    time.Time
	matched bool
}

// keyState is one call's key presses. phase, frame, ts, digit, n and buf
// belong to the sender goroutine; presses is guarded by mu.
type keyState struct {
	phase   int    // tick offset of this call's presses in the period
	frame   int    // packet of the press in progress, 1 to keyFrames; 0: none
	ts      uint32 // RTP timestamp of the press in progress
	digit   byte
	n       int      // presses started
	buf     [16]byte // the press's packet: RTP header and telephone-event payload
	mu      sync.Mutex
	presses []keyPress
}

// keyer sends the key presses and matches them with the box's dtmf.digit
// events from the SSE stream.
type keyer struct {
	on     atomic.Bool // presses may start
	sent   atomic.Int64
	starts []*lcall // presses whose first packet is in the batch being built (sender only)

	mu        sync.Mutex // guards the fields below
	lat       []time.Duration
	unknown   int // dtmf.digit events of calls we do not know
	unmatched int // dtmf.digit events with no press of that digit waiting
	fallback  int // events matched through the event's own sip_call_id
	seqGaps   uint64
	events    int
}

// packet returns the telephone-event packet c sends this tick instead of
// audio, and whether it is the first of a press; nil when c sends audio.
func (k *keyer) packet(c *lcall, tick int, seq uint16, ts uint32) (p []byte, first bool) {
	s := &c.keys
	if s.frame == 0 {
		if !k.on.Load() || (tick+s.phase)%keyPeriod != 0 {
			return nil, false
		}
		s.frame, s.ts, s.digit = 1, ts, keyDigits[s.n%len(keyDigits)]
		s.n++
	} else {
		s.frame++
	}
	f := s.frame
	b := s.buf[:]
	b[0], b[1] = 0x80, keyPT
	if f == 1 {
		b[1] |= 0x80 // marker on the first packet of the event
	}
	b[2], b[3] = byte(seq>>8), byte(seq)
	b[4], b[5], b[6], b[7] = byte(s.ts>>24), byte(s.ts>>16), byte(s.ts>>8), byte(s.ts)
	b[12] = s.digit - '0'
	b[13] = 10 // volume
	if f > 5 {
		b[13] |= 0x80 // end
	}
	dur := 160 * min(f, 5)
	b[14], b[15] = byte(dur>>8), byte(dur)
	if f == keyFrames {
		s.frame = 0
	}
	return b, f == 1
}

// stamp records the presses of the batch about to be written as sent now.
func (k *keyer) stamp() {
	if len(k.starts) == 0 {
		return
	}
	now := time.Now()
	for _, c := range k.starts {
		c.keys.mu.Lock()
		c.keys.presses = append(c.keys.presses, keyPress{digit: c.keys.digit, sent: now})
		c.keys.mu.Unlock()
	}
	k.sent.Add(int64(len(k.starts)))
	k.starts = k.starts[:0]
}

// match pairs a dtmf.digit event that arrived at at with c's oldest press
// of that digit still waiting.
func (k *keyer) match(c *lcall, digit string, at time.Time) {
	s := &c.keys
	s.mu.Lock()
	var d time.Duration
	found := false
	for i := range s.presses {
		p := &s.presses[i]
		if !p.matched && len(digit) == 1 && p.digit == digit[0] {
			p.matched, d, found = true, at.Sub(p.sent), true
			break
		}
	}
	s.mu.Unlock()
	k.mu.Lock()
	if found {
		k.lat = append(k.lat, d)
	} else {
		k.unmatched++
	}
	k.mu.Unlock()
}

// sseEvent is the part of a dtmf.digit event the load generator reads.
type sseEvent struct {
	CallID string `json:"callid"`
	Digit  string `json:"digit"`
	Call   *struct {
		SIPCallID string `json:"sip_call_id"`
	} `json:"call"`
}

// readEvents reads the SSE stream until it ends, closing ready once the
// box has subscribed it. byBox maps box call ids to calls; bySIP finds a
// call by SIP Call-ID for events of calls byBox does not know.
func (k *keyer) readEvents(body io.Reader, ready chan<- struct{}, byBox map[string]*lcall, bySIP func(string) *lcall) {
	r := bufio.NewReaderSize(body, 1<<20)
	var last uint64
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
			if last != 0 && seq > last+1 {
				k.seqGaps += seq - last - 1
			}
			k.events++
			k.mu.Unlock()
			last = max(last, seq)
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
	k.match(c, e.Digit, at)
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
	p50, p90, p99, max                   time.Duration
	unknown, unmatched, fallback, events int
	seqGaps                              uint64
	outbox                               int64 // events the box's outbox delivered to the sink
}

func (k *keyer) result() keyResult {
	k.mu.Lock()
	defer k.mu.Unlock()
	lat := append([]time.Duration(nil), k.lat...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := keyResult{sent: k.sent.Load(), matched: int64(len(lat)), unknown: k.unknown,
		unmatched: k.unmatched, fallback: k.fallback, events: k.events, seqGaps: k.seqGaps}
	if n := len(lat); n > 0 {
		q := func(p float64) time.Duration { return lat[min(n-1, int(p*float64(n)))] }
		r.p50, r.p90, r.p99, r.max = q(0.50), q(0.90), q(0.99), lat[n-1]
	}
	return r
}

func (r keyResult) print() {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	fmt.Printf("key presses:        %d sent, %d events matched, %d lost\n", r.sent, r.matched, r.sent-r.matched)
	fmt.Printf("key-to-SSE latency: p50 %s, p90 %s, p99 %s, max %s\n", ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max))
	fmt.Printf("SSE stream:         %d events, %d missed (seq gaps), dtmf.digit unknown call %d, no press waiting %d, matched by event sip_call_id %d\n",
		r.events, r.seqGaps, r.unknown, r.unmatched, r.fallback)
	fmt.Printf("outbox:             %d events delivered to the app URL sink\n", r.outbox)
}
