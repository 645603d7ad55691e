package outbox

import (
	"testing"
)

// BenchmarkEnqueue measures one Enqueue: one synced bbolt write, no delivery
// (Run is not started).
func BenchmarkEnqueue(b *testing.B) {
	opts := testOptions("http://127.0.0.1:1/events")
	opts.MaxPending = 1 << 30
	o := newT(b, tempDB(b), opts)
	body := []byte(`{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.219"}}], "info": "5", "flag": "1", "sn": "368182384620"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := o.Enqueue("1553672645.217", body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnqueueAtLimit measures Enqueue when every call also drops the
// oldest event (MaxPending reached).
func BenchmarkEnqueueAtLimit(b *testing.B) {
	opts := testOptions("http://127.0.0.1:1/events")
	opts.MaxPending = 100
	o := newT(b, tempDB(b), opts)
	body := []byte(`{"action": "DTMF", "info": "5", "flag": "1"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := o.Enqueue("1553672645.217", body); err != nil {
			b.Fatal(err)
		}
	}
}
