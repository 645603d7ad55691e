package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/stream"
)

func TestCountersAndScrape(t *testing.T) {
	m := New(Sources{
		Calls:  func() []event.Call { return []event.Call{{State: event.StateAnswered}} },
		Shards: func() []stream.ShardTotals { return []stream.ShardTotals{{Shard: 0, PacketsIn: 7, Late: 2}} },
		Trunks: func() []Trunk { return []Trunk{{Name: "p", Status: "registered"}} },
		Outbox: func() Outbox { return Outbox{Pending: 2, OldestAge: 90 * time.Second} },
	})
	m.DeliveryLatency(40 * time.Millisecond)
	m.Hook(event.Event{Kind: event.CallStarted})
	m.Hook(event.Event{Kind: event.CallRefused, Cause: "no_route"})
	m.Hook(event.Event{Kind: event.CallEnded, Cause: "something new"})
	m.Hook(event.Event{Kind: event.IVREntered, IVR: "6500"})
	m.CountSIP(true, "INVITE", 0)
	m.CountSIP(false, "INVITE", 486)
	var b strings.Builder
	m.WritePrometheus(&b)
	for _, want := range []string{
		"ivrbox_calls_started_total 1", `ivrbox_calls_refused_total{cause="no_route"} 1`,
		`ivrbox_calls_ended_total{cause="other"} 1`, `ivrbox_ivr_calls_total{ivr="6500"} 1`,
		`ivrbox_sip_requests_total{direction="in",method="INVITE"} 1`,
		`ivrbox_sip_responses_total{direction="out",code="486"} 1`, `ivrbox_calls{state="answered"} 1`,
		`ivrbox_rtp_packets_in_total{shard="0"} 7`, `ivrbox_rtp_late_frames_total{shard="0"} 2`,
		`ivrbox_trunk_state{trunk="p",state="registered"} 1`, "process_resident_memory_bytes",
		`ivrbox_outbox_pending 2`, `ivrbox_outbox_oldest_pending_age_seconds{app="pbx"} 90`,
		`ivrbox_outbox_delivery_latency_seconds_bucket{app="pbx",le="0.05"} 1`,
		`ivrbox_outbox_delivery_latency_seconds_bucket{app="pbx",le="0.025"} 0`,
		`ivrbox_outbox_delivery_latency_seconds_count{app="pbx"} 1`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

// TestCountingAllocatesNothing: the counters events and SIP messages bump
// are made once; counting is an atomic add.
func TestCountingAllocatesNothing(t *testing.T) {
	m := New(Sources{})
	m.Hook(event.Event{Kind: event.IVREntered, IVR: "6500"})
	m.CountSIP(false, "INVITE", 200)
	evs := []event.Event{{Kind: event.DTMFDigit, Source: "rfc4733"}, {Kind: event.CallEnded, Cause: "remote-bye"},
		{Kind: event.IVREntered, IVR: "6500"}}
	if n := testing.AllocsPerRun(100, func() {
		for _, e := range evs {
			m.Hook(e)
		}
		m.CountSIP(true, "BYE", 0)
		m.CountSIP(false, "INVITE", 200)
		m.DeliveryLatency(time.Second)
	}); n != 0 {
		t.Errorf("%v allocations per count", n)
	}
}
