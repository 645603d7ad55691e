package fork

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// TestSenderCount: the default forker sends alone; many forks get helpers,
// never more than maxSenders or GOMAXPROCS.
func TestSenderCount(t *testing.T) {
	tests := []struct {
		maxForks, procs, want int
	}{
		{DefaultMaxForks, 8, 1},
		{perSender, 8, 1},
		{perSender + 1, 8, 2},
		{1000, 2, 2},
		{1000, 1, 1},
		{1000, 4, 4},
		{1000, 16, maxSenders},
	}
	for _, tt := range tests {
		if got := senderCount(Options{MaxForks: tt.maxForks}, tt.procs); got != tt.want {
			t.Errorf("senderCount(%d forks, %d procs) = %d, want %d", tt.maxForks, tt.procs, got, tt.want)
		}
	}
	fk := &Forker{senders: make([]*sender, 3)}
	for n, want := range map[int]int{0: 1, 1: 1, perSender: 1, perSender + 1: 2, 3 * perSender: 3, 1000: 3} {
		if got := fk.share(n); got != want {
			t.Errorf("share(%d) with 3 senders = %d, want %d", n, got, want)
		}
	}
}

// TestSenders: a tick split between senders keeps every target's stream
// whole, and Stop, idle forks and panics work in any sender.
func TestSenders(t *testing.T) {
	const forks, ticks = 9, 6
	c := newFakeClock()
	fk, err := New(Options{
		Local:     netip.MustParseAddrPort("127.0.0.1:0"),
		Clock:     c,
		Idle:      3 * frameDur,
		afterTick: func() { c.ticked <- struct{}{} },
		beforeServe: func(f *Fork) {
			if f.spec.ID == "boom" {
				panic("boom")
			}
		},
		senders: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer fk.Close()
	type target struct {
		f       *Fork
		src     *fakeStream
		in, out *listener
	}
	var ts []*target
	for i := range forks {
		tg := &target{src: &fakeStream{}, in: listen(t, "udp4", "127.0.0.1:0"), out: listen(t, "udp4", "127.0.0.1:0")}
		if tg.f, err = fk.Start(tg.src, Spec{In: tg.in.addr, Out: tg.out.addr, ID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tg)
	}
	boom, err := fk.Start(&fakeStream{}, Spec{In: closedPort(t), ID: "boom"})
	if err != nil {
		t.Fatal(err)
	}
	idle, err := fk.Start(&fakeStream{}, Spec{In: closedPort(t), ID: "idle"})
	if err != nil {
		t.Fatal(err)
	}
	stopped := ts[4]
	for tick := range ticks {
		for i, tg := range ts {
			if tg == stopped && tick >= ticks/2 {
				continue
			}
			for k := range 2 { // two frames a tick, the second of fork i skipped on tick 1
				if tick == 1 && k == 1 && i%2 == 0 {
					continue
				}
				tg.src.write(frame(uint64(2*tick+k), stream.PCMU, byte(i), byte(100+i)))
			}
		}
		if tick == ticks/2 {
			stopped.f.Stop()
		}
		c.tick(t)
	}
	for _, f := range []*Fork{boom, idle} {
		select {
		case <-f.Done():
		case <-time.After(wait):
			t.Fatalf("fork %s did not stop", f.spec.ID)
		}
	}
	for i, tg := range ts {
		n, steps := 2*ticks, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
		if i%2 == 0 {
			n, steps = n-1, []int{1, 1, 2, 1, 1, 1, 1, 1, 1, 1}
		}
		if tg == stopped {
			n, steps = n-ticks, steps[:n-ticks-1]
		}
		for _, l := range []*listener{tg.in, tg.out} {
			checkSeq(t, l.readN(n), steps)
			if !l.empty() {
				t.Errorf("fork %d: more than %d packets", i, n)
			}
		}
		want := Direction{Packets: uint64(n), Bytes: uint64(n * maxPacket)}
		if st := tg.f.Stats(); st.In != want || st.Out != want {
			t.Errorf("fork %d: stats %+v, want %+v each way", i, st, want)
		}
	}
	if fk.Len() != forks-1 {
		t.Errorf("Len %d, want %d", fk.Len(), forks-1)
	}
}
