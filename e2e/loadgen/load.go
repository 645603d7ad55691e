package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
)

// lcall is one generated call.
type lcall struct {
	id       string
	toTag    string
	boxRTP   *net.UDPAddr
	answered atomic.Bool
	ended    atomic.Bool // the box hung up, or the call failed
	failed   atomic.Bool
	byeOK    atomic.Bool
	rx       atomic.Int64 // RTP packets received from the box
	sentAt   time.Time    // the first INVITE's sending; set before the call is shared
	setup    atomic.Int64 // INVITE (first sent) to 200, in ns; 0 until answered
	lastRx   int64        // when its last RTP packet was read (ns); readRTP's
	keys     keyState     // -keys: the call's key presses
}

// result is what a load run measured.
type result struct {
	calls, answered, failed, early int
	cpu                            float64
	cpuAll                         cpuSample
	ticks, ticksWant               int64 // the load generator's RTP ticks during the window, and how many there should have been
	rss                            float64
	rxMin, rxMedian                int64
	expected                       int64
	byeOK                          int
	modes                          *modes
	window                         time.Duration   // the measuring window
	setup                          []time.Duration // INVITE to 200 of the answered calls, sorted
	resent                         int64           // INVITE retransmissions
	jitterP99                      float64         // ms: 99th percentile of the packets' gaps' distance from 20 ms
	jitterN                        int64           // gaps measured
	stamped                        bool            // gaps from kernel receive times (else read times)
}

func (r result) print(idle float64) {
	fmt.Printf("concurrent calls:   %d (answered %d, failed %d, ended early %d, BYE answered %d)\n",
		r.calls, r.answered, r.failed, r.early, r.byeOK)
	fmt.Printf("ivrbox CPU:         %.1f%% of one core  => %.0f calls per core\n", r.cpu, float64(r.answered)/(r.cpu/100))
	c := r.cpuAll
	fmt.Printf("machine CPU:        %.0f%% of one core busy (%d cores): ivrbox %.0f%%, loadgen %.0f%%, others %.0f%%; stolen %.0f%%\n",
		c.machine, runtime.NumCPU(), c.box, c.self, c.others(), c.steal)
	fmt.Printf("loadgen RTP ticks:  %d of %d in the window\n", r.ticks, r.ticksWant)
	fmt.Printf("ivrbox RSS:         %.1f MB under load, %.1f MB idle\n", r.rss, idle)
	fmt.Printf("RTP rx per call:    min %d, median %d (expected about %d)\n", r.rxMin, r.rxMedian, r.expected)
	how := "the generator's read delays included"
	if r.stamped {
		how = "kernel receive times"
	}
	fmt.Printf("RTP from the box:   p99 gap %.1f ms off 20 ms (%d gaps; %s)\n", r.jitterP99, r.jitterN, how)
	if r.modes != nil {
		r.modes.print()
	}
	if w := r.overload(); w != "" {
		fmt.Println("WARNING: figures not representative:", w)
	}
}

// overload says why the machine could not run the load as asked (the
// box or the load generator short of CPU), or "".
func (r result) overload() string {
	var why []string
	if r.ticks < r.ticksWant*97/100 {
		why = append(why, fmt.Sprintf("the load generator ran %d of %d RTP ticks", r.ticks, r.ticksWant))
	}
	if r.rxMedian < r.expected*97/100 {
		why = append(why, fmt.Sprintf("the box sent a median %d of %d packets per call", r.rxMedian, r.expected))
	}
	if o := r.cpuAll.others(); o > 20 {
		why = append(why, fmt.Sprintf("other processes used %.0f%% of a core", o))
	}
	return strings.Join(why, "; ")
}

// gen holds the generator's sockets and calls.
type gen struct {
	sip     *net.UDPConn
	rtp     *net.UDPConn
	msgs    sipMsgs
	box     netip.AddrPort
	mu      sync.Mutex // guards byID
	byID    map[string]*lcall
	byPort  [65536]atomic.Pointer[lcall] // box RTP port -> call
	keys    *keyer                       // -keys; nil: no key presses
	pend    *pending                     // INVITEs awaiting a response (retrans.go)
	resent  atomic.Int64                 // INVITE retransmissions sent
	jitter  jitterHist                   // gaps between a call's packets from the box (jitter.go)
	stamped bool                         // the RTP socket gives kernel receive times
	frame   atomic.Uint64                // RTP ticks handled: the audio frame last sent (its RTP sequence number and timestamp)
}

// call returns the call of a SIP Call-ID, or nil.
func (g *gen) call(sipCallID string) *lcall {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byID[sipCallID]
}

func loadRun(ctx context.Context, b *box, o options) (result, error) {
	g, err := newGen(b.sipAddr)
	if err != nil {
		return result{}, err
	}
	defer g.sip.Close()
	defer g.rtp.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); g.retransmit(ctx) }()
	go func() { defer wg.Done(); g.readSIP(ctx) }()
	go func() { defer wg.Done(); g.readRTP(ctx) }()
	go func() { defer wg.Done(); g.sendRTP(ctx) }()
	defer func() { cancel(); g.sip.Close(); g.rtp.Close(); wg.Wait() }()
	if o.keys {
		g.keys = &keyer{}
	}
	m := &modes{o: o, b: b, g: g, start: time.Now()}
	defer m.close()

	calls := g.ramp(ctx, o)
	answered := g.waitAnswered(ctx, calls, timerB+5*time.Second)
	fmt.Printf("ramped %d calls, %d answered\n", len(calls), answered)
	if err := m.prepare(ctx, calls); err != nil {
		return result{}, err
	}
	fmt.Printf("measuring %v\n", o.window)
	start := time.Now()
	rx0 := make([]int64, len(calls))
	for i, c := range calls {
		rx0[i] = c.rx.Load()
	}
	res := result{calls: len(calls), answered: answered, modes: m}
	g.jitter.reset()
	m.begin()
	frame0 := g.frame.Load()
	res.cpuAll = b.measureCPU(o.window)
	res.cpu = res.cpuAll.box
	res.rss = b.rssMB()
	window := time.Since(start)
	res.expected = int64(window / (20 * time.Millisecond))
	res.ticks, res.ticksWant = int64(g.frame.Load()-frame0), res.expected
	var rx []int64
	for i, c := range calls {
		rx = append(rx, c.rx.Load()-rx0[i])
		if c.failed.Load() {
			res.failed++
		} else if c.ended.Load() {
			res.early++
		}
	}
	sort.Slice(rx, func(i, j int) bool { return rx[i] < rx[j] })
	if len(rx) > 0 {
		res.rxMin, res.rxMedian = rx[0], rx[len(rx)/2]
	}
	res.window, res.setup, res.resent = window, setupTimes(calls), g.resent.Load()
	res.jitterP99, res.jitterN = g.jitter.percentile(0.99)
	res.stamped = g.stamped
	m.end(ctx)
	res.byeOK = g.hangupAll(ctx, calls)
	m.after(ctx, answered, window)
	return res, nil
}

func newGen(boxAddr string) (*gen, error) {
	box, err := netip.ParseAddrPort(boxAddr)
	if err != nil {
		return nil, err
	}
	s, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	r, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		s.Close()
		return nil, err
	}
	for _, c := range []*net.UDPConn{s, r} {
		_ = c.SetReadBuffer(16 << 20)
		_ = c.SetWriteBuffer(16 << 20)
	}
	g := &gen{sip: s, rtp: r, box: box, byID: map[string]*lcall{}, pend: newPending(), stamped: enableRxStamps(r)}
	g.msgs = sipMsgs{local: s.LocalAddr().String(), remote: boxAddr,
		rtpPort: r.LocalAddr().(*net.UDPAddr).Port, number: benchIVR}
	return g, nil
}

// ramp places o.calls calls at o.rate per second.
func (g *gen) ramp(ctx context.Context, o options) []*lcall {
	calls := make([]*lcall, 0, o.calls)
	tick := time.NewTicker(time.Second / time.Duration(max(o.rate, 1)))
	defer tick.Stop()
	for i := 0; i < o.calls; i++ {
		select {
		case <-ctx.Done():
			return calls
		case <-tick.C:
		}
		c := &lcall{id: fmt.Sprintf("lg-%d-%d", time.Now().UnixNano(), i), sentAt: time.Now()}
		g.mu.Lock()
		g.byID[c.id] = c
		g.mu.Unlock()
		calls = append(calls, c)
		g.pend.sent(c, c.sentAt)
		_, _ = g.sip.WriteToUDPAddrPort(g.msgs.invite(c.id, 1), g.box)
	}
	return calls
}

// waitAnswered waits up to d for all calls to be answered or failed (the
// retransmitter resends INVITEs without a response and fails them at
// timer B); it returns the number answered.
func (g *gen) waitAnswered(ctx context.Context, calls []*lcall, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		n, pending := 0, 0
		for _, c := range calls {
			switch {
			case c.answered.Load():
				n++
			case !c.failed.Load():
				pending++
				if time.Now().After(deadline) {
					c.failed.Store(true) // a provisional response, and no final one
				}
			}
		}
		if pending == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return n
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// hangupAll sends BYE for every answered call, resending to those not yet
// answered each second (UDP), and counts the 200s.
func (g *gen) hangupAll(ctx context.Context, calls []*lcall) int {
	count := func() int {
		n := 0
		for _, c := range calls {
			if c.byeOK.Load() {
				n++
			}
		}
		return n
	}
	for try := 0; try < 5 && ctx.Err() == nil; try++ {
		for i, c := range calls {
			if c.answered.Load() && !c.ended.Load() && !c.byeOK.Load() {
				_, _ = g.sip.WriteToUDPAddrPort(g.msgs.inDialog("BYE", c.id, c.toTag, 2, 2), g.box)
				if i%100 == 99 {
					time.Sleep(5 * time.Millisecond)
				}
			}
		}
		time.Sleep(time.Second)
		if count() == len(calls) {
			break
		}
	}
	return count()
}

// readSIP handles the box's responses and requests.
func (g *gen) readSIP(ctx context.Context) {
	buf := make([]byte, 65536)
	for ctx.Err() == nil {
		n, from, err := g.sip.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		m, ok := parse(buf[:n])
		if !ok {
			continue
		}
		g.mu.Lock()
		c := g.byID[m.callID]
		g.mu.Unlock()
		if c == nil {
			continue
		}
		g.handle(c, m, from)
	}
}

func (g *gen) handle(c *lcall, m msg, from netip.AddrPort) {
	switch {
	case m.status == 0 && m.method == "BYE":
		c.ended.Store(true)
		_, _ = g.sip.WriteToUDPAddrPort(ok(m), from)
	case m.status >= 100 && m.method == "INVITE" && m.status < 200:
		g.pend.answered(c) // timer A stops on a provisional response
	case m.status == 200 && m.method == "INVITE":
		g.pend.answered(c)
		c.setup.CompareAndSwap(0, int64(max(time.Since(c.sentAt), 1)))
		if c.toTag == "" {
			c.toTag = m.toTag
			c.boxRTP = net.UDPAddrFromAddrPort(netip.AddrPortFrom(g.box.Addr(), uint16(m.rtpPort)))
			g.byPort[m.rtpPort].Store(c)
		}
		_, _ = g.sip.WriteToUDPAddrPort(g.msgs.inDialog("ACK", c.id, c.toTag, 1, 9), g.box)
		c.answered.Store(true)
	case m.status >= 300 && m.method == "INVITE":
		g.pend.answered(c)
		c.failed.Store(true)
		_, _ = g.sip.WriteToUDPAddrPort(g.msgs.inDialog("ACK", c.id, m.toTag, 1, 1), g.box)
	case m.status == 200 && m.method == "BYE":
		c.byeOK.Store(true)
	}
}

// readRTP counts the box's packets per call with recvmmsg batches.
func (g *gen) readRTP(ctx context.Context) {
	pc := ipv4.NewPacketConn(g.rtp)
	msgs := make([]ipv4.Message, 64)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, 1500)}
		msgs[i].OOB = make([]byte, 128)
	}
	for ctx.Err() == nil {
		n, err := pc.ReadBatch(msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		read := time.Now().UnixNano()
		for _, m := range msgs[:n] {
			now, ok := rxStamp(m.OOB[:m.NN])
			if !ok {
				now = read
			}
			if a, ok := m.Addr.(*net.UDPAddr); ok {
				if c := g.byPort[a.Port].Load(); c != nil {
					c.rx.Add(1)
					if c.lastRx != 0 {
						g.jitter.add(time.Duration(now - c.lastRx))
					}
					c.lastRx = now
				}
			}
		}
	}
}

// sendRTP sends one 20 ms µ-law packet per answered call per tick, with
// sendmmsg batches; a call pressing a key sends that instead (keysend.go).
func (g *gen) sendRTP(ctx context.Context) {
	pc := ipv4.NewPacketConn(g.rtp)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	pkt := make([]byte, 172)
	pkt[0] = 0x80
	for i := 12; i < 172; i++ {
		pkt[i] = 0xFF
	}
	batch := make([]ipv4.Message, 0, 64)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		frame := g.frame.Add(1)
		seq, ts := uint16(frame), uint32(frame)*160
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		pkt[4], pkt[5], pkt[6], pkt[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		for port := range g.byPort {
			c := g.byPort[port].Load()
			if c == nil || !c.answered.Load() || c.ended.Load() || c.keys.until.Load() >= frame {
				continue
			}
			batch = append(batch, ipv4.Message{Buffers: [][]byte{pkt}, Addr: c.boxRTP})
			if len(batch) == cap(batch) {
				_, _ = pc.WriteBatch(batch, 0)
				batch = batch[:0]
			}
		}
		if len(batch) > 0 {
			_, _ = pc.WriteBatch(batch, 0)
			batch = batch[:0]
		}
	}
}

// retransmit resends, every 10 ms, the INVITEs whose timer A fired, until
// ctx is done.
func (g *gen) retransmit(ctx context.Context) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			resent, _ := g.pend.poll(now, func(c *lcall) {
				_, _ = g.sip.WriteToUDPAddrPort(g.msgs.invite(c.id, 1), g.box)
			})
			g.resent.Add(int64(resent))
		}
	}
}

// setupTimes returns the INVITE-to-200 times of the answered calls, sorted.
func setupTimes(calls []*lcall) []time.Duration {
	var out []time.Duration
	for _, c := range calls {
		if d := c.setup.Load(); d > 0 {
			out = append(out, time.Duration(d))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
