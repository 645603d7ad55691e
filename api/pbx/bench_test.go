package pbx

import (
	"testing"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// nopOutbox drops what it is given, so the benchmark measures translation.
type nopOutbox struct{}

func (nopOutbox) Enqueue(string, []byte) error { return nil }
func (nopOutbox) Enabled() bool                { return true }

// BenchmarkHookDTMF measures translating one DTMF digit event into its JSON
// report (the PBX API's per-key cost on the publishing goroutine, without the
// outbox write).
func BenchmarkHookDTMF(b *testing.B) {
	a := New(Options{Config: testConfig, Outbox: nopOutbox{}})
	defer a.Close()
	c := &event.Call{ID: "1.1", Leg: "1.2", Dir: event.Outbound, From: "6500", To: "10086", Trunk: "carrier", IVR: "6500"}
	e := event.Event{Kind: event.DTMFDigit, CallID: "1.1", Call: c, Digit: "5", Flag: 1}
	b.ReportAllocs()
	for b.Loop() {
		a.Hook(e)
	}
}
