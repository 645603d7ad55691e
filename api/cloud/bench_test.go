package cloud

import "testing"

// BenchmarkEmitDTMF is the cost of building and queueing one IvrDtmfEvent
// on the publisher's goroutine: serial, JSON, queueing in one
// subscription's outbox (memory only; its committer and a failing delivery
// run beside it).
func BenchmarkEmitDTMF(b *testing.B) {
	r := newRig(b, nil, nil)
	if _, err := r.api.Subscribe(Subscription{URL: "http://127.0.0.1:1/", Topics: []string{TopicIVR}}); err != nil {
		b.Fatal(err)
	}
	r.api.Hook(offered("c1"))
	s := r.api.session("c1")
	b.ReportAllocs()
	for b.Loop() {
		r.api.emit(s, EventIvrDtmf, topicsIVR, func(bs base) any { return dtmfEvent{base: bs, DTMF: "5"} })
	}
}
