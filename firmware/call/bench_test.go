package call

import (
	"testing"
	"time"
)

// BenchmarkKeyToController measures a key's way from the media shard's
// hand-off (offerKey) to the owning controller's OnKey hook, through the
// call's executor (which publishes the DTMF event first, on a bus with a
// subscriber). It is the part of key-to-event latency the call core adds.
func BenchmarkKeyToController(b *testing.B) {
	r := newCallRig(b)
	defer r.end()
	heard := make(chan struct{}, 1)
	r.c.mu.Lock()
	r.c.base.hooks.OnKey = func(string, uint64) { heard <- struct{}{} }
	r.c.mu.Unlock()
	go func() { // drain the rig's subscription so the bus never drops
		for range r.sub.C() {
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		r.c.offerKey('5', "rfc4733")
		select {
		case <-heard:
		case <-time.After(5 * time.Second):
			b.Fatal("the key never reached the controller")
		}
	}
}

// BenchmarkCommand measures submitting a command and getting its result
// (a wait of 1 ns: the timer fires at once).
func BenchmarkCommand(b *testing.B) {
	r := newCallRig(b)
	defer r.end()
	go func() {
		for range r.sub.C() {
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		o, err := r.c.base.Submit(Command{Kind: KindWait, Duration: time.Nanosecond})
		if err != nil {
			b.Fatal(err)
		}
		<-o.Done()
	}
}
