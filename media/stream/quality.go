package stream

import (
	"sync/atomic"
	"time"
)

// Quality is what a stream measured of the RTP it received (RFC 3550
// section 6.4.1 and A.8) and when media first flowed each way.
type Quality struct {
	Lost     int64     // packets expected (by sequence number) but not received
	Jitter   float64   // interarrival jitter, in milliseconds
	FirstIn  time.Time // the first packet accepted; zero if none yet
	FirstOut time.Time // the first packet sent; zero if none yet
}

// quality is a stream's measure of received RTP. The receive state is
// owned by the shard goroutine (the only one that handles the stream's
// packets); the results are atomics, read by Quality at any time.
type quality struct {
	// Owned by the shard goroutine.
	ssrc     uint32
	started  bool
	base     uint32 // extended sequence number of the first packet
	max      uint32 // highest extended sequence number
	received int64
	transit  int64   // previous packet's arrival minus its timestamp, in 8 kHz units
	jitter   float64 // in 8 kHz units

	lost     atomic.Int64
	jitterNS atomic.Int64
	firstIn  atomic.Int64 // Unix ns
	firstOut atomic.Int64 // Unix ns
}

// arrive notes one accepted packet: its sequence number, RTP timestamp
// and SSRC, and its arrival time. It allocates nothing and takes no lock.
func (q *quality) arrive(seq uint16, ts, ssrc uint32, now time.Time) {
	ns := now.UnixNano()
	if !q.started || ssrc != q.ssrc { // the first packet, or a new source: start over
		q.firstIn.CompareAndSwap(0, ns)
		q.ssrc, q.started, q.base, q.max, q.received = ssrc, true, uint32(seq), uint32(seq), 1
		q.transit = ns/125000 - int64(ts)
		return
	}
	q.received++
	ext := q.max&^0xffff | uint32(seq)
	switch d := int32(ext - q.max); {
	case d < -0x8000:
		ext += 0x10000 // wrapped forward
	case d > 0x8000:
		ext -= 0x10000 // a late packet from before a wrap
	}
	if int32(ext-q.max) > 0 {
		q.max = ext
	}
	if lost := int64(q.max-q.base+1) - q.received; lost > 0 {
		q.lost.Store(lost)
	} else {
		q.lost.Store(0)
	}
	transit := ns/125000 - int64(ts) // 8 kHz units: G.711's clock
	d := transit - q.transit
	q.transit = transit
	if d < 0 {
		d = -d
	}
	q.jitter += (float64(d) - q.jitter) / 16
	q.jitterNS.Store(int64(q.jitter * 125000))
}

// sent notes that the stream sent a packet (n packets so far).
func (q *quality) sent(n uint64) {
	if n == 1 {
		q.firstOut.Store(time.Now().UnixNano())
	}
}

// Quality returns what the stream measured of its received RTP.
func (s *Stream) Quality() Quality {
	q := &s.quality
	out := Quality{Lost: q.lost.Load(), Jitter: float64(q.jitterNS.Load()) / 1e6}
	if ns := q.firstIn.Load(); ns != 0 {
		out.FirstIn = time.Unix(0, ns)
	}
	if ns := q.firstOut.Load(); ns != 0 {
		out.FirstOut = time.Unix(0, ns)
	}
	return out
}

// ShardTotals are one shard's RTP counters since the engine started: its
// open streams' and the closed ones'.
type ShardTotals struct {
	Shard      int
	PacketsIn  uint64
	PacketsOut uint64
	Lost       uint64 // packets lost on the way in (by sequence number)
	Late       uint64 // 20 ms frames skipped because the shard fell behind
	Streams    int    // open streams
}

// retired is what a shard's closed streams counted.
type retired struct {
	in, out, lost atomic.Uint64
}

// retire adds a closing stream's counters to its shard's totals. It runs
// under e.mu, with forget, so ShardTotals never counts a stream twice or
// not at all.
func (sh *shard) retire(s *Stream) {
	sh.retired.in.Add(s.stats.packetsIn.Load())
	sh.retired.out.Add(s.stats.packetsOut.Load())
	if l := s.quality.lost.Load(); l > 0 {
		sh.retired.lost.Add(uint64(l))
	}
}

// ShardTotals returns each shard's RTP counters, for metrics.
func (e *Engine) ShardTotals() []ShardTotals {
	out := make([]ShardTotals, len(e.shards))
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, sh := range e.shards {
		out[i] = ShardTotals{Shard: sh.id, PacketsIn: sh.retired.in.Load(), PacketsOut: sh.retired.out.Load(),
			Lost: sh.retired.lost.Load(), Late: sh.skipped.Load()}
	}
	for s := range e.streams {
		t := &out[s.sh.id]
		t.PacketsIn += s.stats.packetsIn.Load()
		t.PacketsOut += s.stats.packetsOut.Load()
		if l := s.quality.lost.Load(); l > 0 {
			t.Lost += uint64(l)
		}
		t.Streams++
	}
	return out
}
