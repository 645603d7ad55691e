package cloud

import (
	"testing"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// BenchmarkHookDTMF is the cost of a key's IvrDtmfEvent on the
// publisher's goroutine: session lookup, serial, JSON, queueing in one
// subscription's outbox (memory only).
func BenchmarkHookDTMF(b *testing.B) {
	r := newRig(b, nil, nil)
	if _, err := r.api.Subscribe(Subscription{URL: "http://127.0.0.1:1/", Topics: []string{TopicIVR}}); err != nil {
		b.Fatal(err)
	}
	r.api.Hook(offered("c1"))
	s := r.api.session("c1")
	s.ctl = nil // not controlled: force the event through emit below
	ev := event.Event{Kind: event.DTMFDigit, CallID: "c1", Digit: "5", Call: cloudCall}
	b.ReportAllocs()
	for b.Loop() {
		r.api.emit(s, EventIvrDtmf, topicsIVR, func(bs base) any { return dtmfEvent{base: bs, DTMF: ev.Digit} })
	}
}
