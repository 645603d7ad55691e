//go:build !race

package fork

import (
	"testing"

	"github.com/ivrbox/ivrbox/media/stream"
)

// TestZeroAllocs: forking a frame allocates nothing.
func TestZeroAllocs(t *testing.T) {
	fk, _ := newTestForker(t, Options{})
	in, out := listen(t, "udp4", "127.0.0.1:0"), listen(t, "udp4", "127.0.0.1:0")
	f, err := fk.Start(&fakeStream{}, Spec{In: in.addr, Out: out.addr})
	if err != nil {
		t.Fatal(err)
	}
	fr := frame(0, stream.PCMU, 1, 2)
	allocs := testing.AllocsPerRun(200, func() {
		fr.Index++
		f.tap.WriteFrame(fr)
		fk.senders[0].serve(f, fk.clock.Now())
		fk.senders[0].flush()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame", allocs)
	}
}

// TestZeroAllocsTick: a tick split between senders allocates nothing.
func TestZeroAllocsTick(t *testing.T) {
	fk, _ := newTestForker(t, Options{senders: 2})
	l := listen(t, "udp4", "127.0.0.1:0")
	var forks []*Fork
	for range 4 {
		f, err := fk.Start(&fakeStream{}, Spec{In: l.addr, Out: l.addr})
		if err != nil {
			t.Fatal(err)
		}
		forks = append(forks, f)
	}
	fr := frame(0, stream.PCMU, 1, 2)
	allocs := testing.AllocsPerRun(200, func() {
		fr.Index++
		for _, f := range forks {
			f.tap.WriteFrame(fr)
		}
		fk.tick()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per tick", allocs)
	}
}
