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
		fk.serve(f, fk.clock.Now())
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame", allocs)
	}
}
