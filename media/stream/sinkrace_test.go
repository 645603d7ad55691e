package stream

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// spin starts an engine of shards shards on a fake clock that a goroutine
// ticks as fast as the shards take the ticks, one frame apart; the
// returned function stops it (the engine is closed at cleanup).
func spin(t *testing.T, pairs, shards int) (*Engine, func()) {
	t.Helper()
	low, high := testPorts(pairs)
	clock := newFakeClock()
	e, err := NewEngine(Options{PortLow: low, PortHigh: high, Shards: shards, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	clock.waitTickers(t, shards)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			clock.mu.Lock()
			clock.now = clock.now.Add(frameDur)
			now, tickers := clock.now, clock.tickers
			clock.mu.Unlock()
			for _, ch := range tickers {
				select {
				case ch <- now:
				case <-stop:
					return
				}
			}
		}
	}()
	var once sync.Once
	halt := func() { once.Do(func() { close(stop); <-stopped }) }
	t.Cleanup(func() { halt(); _ = e.Close() })
	return e, halt
}

// raceSink checks it is never called after RemoveSink returned, and that
// its frames are numbered without a gap.
type raceSink struct {
	removed atomic.Bool
	late    atomic.Int64 // calls after removal
	gaps    atomic.Int64 // frames not following the one before
	in      atomic.Int64 // frames with received audio
	keys    atomic.Int64
	got     chan struct{}
	next    uint64 // owned by the shard
	started bool   // owned by the shard
}

func newRaceSink() *raceSink { return &raceSink{got: make(chan struct{}, 1)} }

func (r *raceSink) WriteFrame(f *Frame) {
	if r.removed.Load() {
		r.late.Add(1)
	}
	if r.started && f.Index != r.next {
		r.gaps.Add(1)
	}
	r.started, r.next = true, f.Index+1
	if f.HasIn {
		r.in.Add(1)
	}
	select {
	case r.got <- struct{}{}:
	default:
	}
}

func (r *raceSink) Key(byte, string) {
	r.keys.Add(1)
	if r.removed.Load() {
		r.late.Add(1)
	}
}

// feeder sends a stream audio and key presses with consecutive sequence
// numbers from several goroutines.
type feeder struct {
	p   *peer
	s   *Stream
	seq atomic.Uint32
	ts  atomic.Uint32
}

func (f *feeder) send(pt uint8, ts uint32, payload []byte) {
	seq := uint16(f.seq.Add(1))
	b := marshal(rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 7}, payload)
	_, _ = f.p.conn.WriteToUDPAddrPort(b, netip.AddrPortFrom(localhost, uint16(f.s.LocalPort())))
}

func (f *feeder) audio() { f.send(0, f.ts.Add(160), make([]byte, 160)) }

func (f *feeder) key(k byte) {
	ts := f.ts.Add(960)
	ev := make([]byte, dtmf.EventSize)
	for i := 1; i <= 4; i++ {
		_, _ = dtmf.Event{Key: k, End: i == 4, Duration: uint16(160 * i)}.MarshalTo(ev)
		f.send(101, ts, ev)
	}
}

// TestSinksWhileTicking attaches and removes sinks and switches sources
// from several goroutines while the shards tick flat out and a peer sends
// audio and keys (run with -race): a removed sink is never called again,
// and every sink sees its frames numbered without a gap.
func TestSinksWhileTicking(t *testing.T) {
	e, halt := spin(t, 4, 2)
	p := newPeer(t)
	var feeds []*feeder
	for range 2 {
		s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, DTMFPT: 101, InbandDTMF: true, Remote: p.addr()})
		if err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, &feeder{p: p, s: s})
	}
	var wg sync.WaitGroup
	sinks := make([][]*raceSink, 6)
	for g := range sinks {
		f := feeds[g%len(feeds)]
		s := f.s
		wg.Go(func() {
			src := &seqSource{ok: true}
			for i := range 100 {
				r := newRaceSink()
				if err := s.AddSink(r); err != nil {
					t.Error(err)
					return
				}
				sinks[g] = append(sinks[g], r)
				f.audio()
				if i%10 == 0 {
					f.key(dtmf.Keys[i%len(dtmf.Keys)])
				}
				switch i % 3 {
				case 0:
					s.SetSource(src)
				case 1:
					s.CompareAndSwapSource(src, nil)
				}
				select {
				case <-r.got:
				case <-time.After(wait):
					t.Error("sink got no frame")
					return
				}
				s.RemoveSink(r)
				r.removed.Store(true)
				s.RemoveSink(r)
			}
		})
	}
	wg.Wait()
	halt()
	var in, keys int64
	for g := range sinks {
		for i, r := range sinks[g] {
			in, keys = in+r.in.Load(), keys+r.keys.Load()
			if r.late.Load() != 0 || r.gaps.Load() != 0 {
				t.Errorf("sink %d of goroutine %d: %d calls after removal, %d gaps", i, g, r.late.Load(), r.gaps.Load())
			}
		}
	}
	if st := feeds[0].s.Stats(); st.PacketsIn == 0 {
		t.Errorf("nothing received: %+v", st)
	}
	t.Logf("%d frames with audio, %d keys", in, keys)
}
