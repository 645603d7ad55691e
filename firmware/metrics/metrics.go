// Package metrics keeps the box's Prometheus metrics (docs/METRICS.md) in
// a github.com/VictoriaMetrics/metrics set: counters fed by the event bus
// and the SIP transport, and figures read from the box's parts when
// scraped. Counters a call path bumps are created up front or once per
// label value, so counting is an atomic add with no allocation.
package metrics

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/stream"
)

// Sources are the figures read when the metrics are scraped; nil ones are
// left out.
type Sources struct {
	Calls   func() []event.Call         // the live calls
	Shards  func() []stream.ShardTotals // the media engine's shards
	Trunks  func() []Trunk              // the trunks' registration state
	Disks   func() []Disk               // the network disks' state
	Outbox  func() Outbox               // the event outbox
	Prompts func() (hits, misses uint64)
}

// Trunk is one trunk's state for the metrics.
type Trunk struct{ Name, Status string }

// Disk is one network disk's state for the metrics.
type Disk struct {
	Number int
	State  string
}

// Outbox is the event outbox's counters.
type Outbox struct {
	Queued, Pending             int
	Delivered, Retried, Dropped uint64
	OldestAge                   time.Duration // the oldest undelivered event's wait
}

// latencyBuckets are the upper bounds, in seconds, of the delivery latency
// histogram: from a healthy app server's answer to hours of outage.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600}

// Known label values, created up front.
var (
	sipMethods = []string{"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "INFO", "REFER",
		"NOTIFY", "SUBSCRIBE", "UPDATE", "PRACK", "MESSAGE", "PUBLISH", "other"}
	endCauses = []string{"normal", "remote-bye", "bye", "hangup", "cancel", "busy", "no-answer", "rejected",
		"unavailable", "failed", "error", "ack-timeout", "shutdown", "admin", "api", "transferred", "blocked",
		"box restarted", "other"}
	refuseCauses = []string{"no_route", "no_ivr", "busy", "capacity", "codec", "bad_offer", "media", "shutdown", "other"}
	dtmfSources  = []string{"rfc4733", "info", "inband", "other"}
	callStates   = []string{event.StateDialing, event.StateRinging, event.StateAnswered}
	trunkStates  = []string{"registered", "registering", "failed", "peer", "unused", "unknown"}
)

// Metrics is the box's metric set. Build it with New; Close it.
type Metrics struct {
	set *vm.Set
	src Sources

	started, answered *vm.Counter
	latency           *vm.PrometheusHistogram // the PBX API's event delivery latency
	ended             map[string]*vm.Counter  // by cause
	refused           map[string]*vm.Counter  // by cause
	dtmf              map[string]*vm.Counter  // by source
	sipIn, sipOut     map[string]*vm.Counter  // requests by method
	ivrMu             sync.Mutex
	ivrs              map[string]*vm.Counter // calls entering each IVR, made on first use
	respMu            sync.Mutex
	resps             map[[2]int]*vm.Counter // responses by direction (0 in, 1 out) and code, made on first use
}

// maxIVRLabels bounds the per-IVR counters (the config allows 1000 IVRs).
const maxIVRLabels = 1000

// New builds the metrics over src.
func New(src Sources) *Metrics {
	s := vm.NewSet()
	m := &Metrics{set: s, src: src,
		started:  s.NewCounter(`ivrbox_calls_started_total`),
		answered: s.NewCounter(`ivrbox_calls_answered_total`),
		latency:  s.NewPrometheusHistogramExt(`ivrbox_outbox_delivery_latency_seconds{app="pbx"}`, latencyBuckets),
		ended:    counters(s, `ivrbox_calls_ended_total{cause=%q}`, endCauses),
		refused:  counters(s, `ivrbox_calls_refused_total{cause=%q}`, refuseCauses),
		dtmf:     counters(s, `ivrbox_dtmf_digits_total{source=%q}`, dtmfSources),
		sipIn:    counters(s, `ivrbox_sip_requests_total{direction="in",method=%q}`, sipMethods),
		sipOut:   counters(s, `ivrbox_sip_requests_total{direction="out",method=%q}`, sipMethods),
		ivrs:     map[string]*vm.Counter{},
		resps:    map[[2]int]*vm.Counter{},
	}
	return m
}

func counters(s *vm.Set, format string, labels []string) map[string]*vm.Counter {
	out := make(map[string]*vm.Counter, len(labels))
	for _, l := range labels {
		out[l] = s.NewCounter(fmt.Sprintf(format, l))
	}
	return out
}

// inc adds one to the counter of label, or of "other".
func inc(cs map[string]*vm.Counter, label string) {
	c, ok := cs[label]
	if !ok {
		c = cs["other"]
	}
	c.Inc()
}

// Hook counts the bus's events: calls started, answered, ended by cause,
// refused by cause, entering each IVR, and DTMF keys by source.
func (m *Metrics) Hook(e event.Event) {
	switch e.Kind {
	case event.CallStarted:
		m.started.Inc()
	case event.CallAnswered:
		m.answered.Inc()
	case event.CallEnded:
		inc(m.ended, e.Cause)
	case event.CallRefused:
		inc(m.refused, e.Cause)
	case event.DTMFDigit:
		inc(m.dtmf, e.Source)
	case event.IVREntered:
		m.ivr(e.IVR).Inc()
	}
}

// ivr returns the counter of calls entering IVR number.
func (m *Metrics) ivr(number string) *vm.Counter {
	m.ivrMu.Lock()
	defer m.ivrMu.Unlock()
	c := m.ivrs[number]
	if c == nil {
		if len(m.ivrs) >= maxIVRLabels {
			number = "other"
			if c = m.ivrs[number]; c != nil {
				return c
			}
		}
		c = m.set.NewCounter(fmt.Sprintf(`ivrbox_ivr_calls_total{ivr=%q}`, number))
		m.ivrs[number] = c
	}
	return c
}

// DeliveryLatency records one event delivered to the PBX API's app server
// d after it was queued (outbox.Options.Latency): a histogram update, no
// allocation.
func (m *Metrics) DeliveryLatency(d time.Duration) { m.latency.Update(d.Seconds()) }

// CountSIP counts one SIP message: a request by method, a response by
// status code (trace.Options.Count).
func (m *Metrics) CountSIP(in bool, method string, status int) {
	if status == 0 {
		if in {
			inc(m.sipIn, method)
		} else {
			inc(m.sipOut, method)
		}
		return
	}
	if status < 100 || status > 699 {
		return
	}
	dir := 1
	if in {
		dir = 0
	}
	k := [2]int{dir, status}
	m.respMu.Lock()
	c := m.resps[k]
	if c == nil {
		d := "out"
		if in {
			d = "in"
		}
		c = m.set.NewCounter(`ivrbox_sip_responses_total{direction="` + d + `",code="` + strconv.Itoa(status) + `"}`)
		m.resps[k] = c
	}
	m.respMu.Unlock()
	c.Inc()
}

// WritePrometheus writes every metric in the Prometheus text format: the
// counters, the figures of the sources read now, and the process's.
func (m *Metrics) WritePrometheus(w io.Writer) {
	m.gauges()
	m.set.WritePrometheus(w)
	vm.WriteProcessMetrics(w)
}

// gauges reads the sources into their gauges.
func (m *Metrics) gauges() {
	s := m.set
	set := func(name string, v float64) { s.GetOrCreateGauge(name, nil).Set(v) }
	if m.src.Calls != nil {
		n := map[string]int{}
		for _, c := range m.src.Calls() {
			n[c.State]++
		}
		for _, st := range callStates {
			set(`ivrbox_calls{state="`+st+`"}`, float64(n[st]))
		}
	}
	if m.src.Shards != nil {
		for _, sh := range m.src.Shards() {
			l := `{shard="` + strconv.Itoa(sh.Shard) + `"}`
			set(`ivrbox_rtp_packets_in_total`+l, float64(sh.PacketsIn))
			set(`ivrbox_rtp_packets_out_total`+l, float64(sh.PacketsOut))
			set(`ivrbox_rtp_packets_lost_total`+l, float64(sh.Lost))
			set(`ivrbox_rtp_late_frames_total`+l, float64(sh.Late))
			set(`ivrbox_rtp_streams`+l, float64(sh.Streams))
		}
	}
	if m.src.Trunks != nil {
		for _, t := range m.src.Trunks() {
			for _, st := range trunkStates {
				v := 0.0
				if t.Status == st {
					v = 1
				}
				set(fmt.Sprintf(`ivrbox_trunk_state{trunk=%q,state=%q}`, t.Name, st), v)
			}
		}
	}
	if m.src.Disks != nil {
		for _, d := range m.src.Disks() {
			up := 0.0
			if d.State == "mounted" {
				up = 1
			}
			set(fmt.Sprintf(`ivrbox_disk_mounted{disk="%d"}`, d.Number), up)
		}
	}
	if m.src.Outbox != nil {
		o := m.src.Outbox()
		set(`ivrbox_outbox_queued`, float64(o.Queued))
		set(`ivrbox_outbox_pending`, float64(o.Pending))
		set(`ivrbox_outbox_delivered_total`, float64(o.Delivered))
		set(`ivrbox_outbox_retried_total`, float64(o.Retried))
		set(`ivrbox_outbox_dropped_total`, float64(o.Dropped))
		set(`ivrbox_outbox_oldest_pending_age_seconds{app="pbx"}`, o.OldestAge.Seconds())
	}
	if m.src.Prompts != nil {
		h, miss := m.src.Prompts()
		set(`ivrbox_prompt_cache_hits_total`, float64(h))
		set(`ivrbox_prompt_cache_misses_total`, float64(miss))
	}
}
