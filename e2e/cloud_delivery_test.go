// Tests of the cloud IVR API's event delivery and timers through the
// binary: an application server that refuses, goes down and comes back,
// or never steers the call (the IVR's fallback).

package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// subStats is a subscription's delivery counts as GET /event/subscriptions
// lists them.
type subStats struct {
	ID        string  `json:"id"`
	Pending   int     `json:"pending"`
	Delivered uint64  `json:"delivered"`
	Failed    uint64  `json:"failed"`
	LastError string  `json:"lastError"`
	QueueAgeS float64 `json:"queueAgeS"`
	LatencyMS float64 `json:"lastDeliveryLatencyMs"`
}

// stats returns subscription id's counts.
func (cb *cloudBox) stats(id string) subStats {
	cb.t.Helper()
	a := cb.api.do("GET", "/event/subscriptions", nil)
	var list struct {
		Subscriptions []subStats `json:"subscriptions"`
	}
	if err := json.Unmarshal(a.Body, &list); a.Status != 200 || err != nil {
		cb.t.Fatalf("GET /event/subscriptions: %d %s", a.Status, a.Body)
	}
	for _, s := range list.Subscriptions {
		if s.ID == id {
			return s
		}
	}
	cb.t.Fatalf("subscription %s not listed: %s", id, a.Body)
	return subStats{}
}

// waitStats waits, up to d, until subscription id's counts satisfy ok.
func (cb *cloudBox) waitStats(id, what string, d time.Duration, ok func(subStats) bool) subStats {
	cb.t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for {
		s := cb.stats(id)
		if ok(s) {
			return s
		}
		select {
		case <-tick.C:
		case <-deadline:
			cb.t.Fatalf("subscription %s: not %s within %v: %+v", id, what, d, s)
			return s
		}
	}
}

// TestCloudDeliveryRetries: the application server refuses the first three
// deliveries (503), later goes down (its port closed) while the call makes
// events, and comes back: every event of the call arrives once
// acknowledged, in order, none missing, each acknowledged once; the refused
// attempts were of the same event, attempts 1, 2, 3, 4.
func TestCloudDeliveryRetries(t *testing.T) {
	t.Parallel()
	app := newCloudApp(t)
	app.refuseNext(3)
	cb := startCloudBox(t, cloudConfig(`{"first_command": 30, "idle": 120}`))
	sub := cb.subscribe(app.url())
	p := newPeer(t, 0)
	ear := &callerEar{p: p}
	c := dialBox(t, cb.box, cloudIVR, cloudCaller, p)
	started := app.waitEvent(30*time.Second, "", "IvrStartedEvent")
	callID := started.str("callId")
	reqs := app.requests()
	if len(reqs) < 4 {
		t.Fatalf("%d requests before IvrStartedEvent was acknowledged:\n%s", len(reqs), dumpCloud(reqs))
	}
	for i, r := range reqs[:4] {
		if r.ID != started.ID || r.Attempt != fmt.Sprint(i+1) || r.Acked != (i == 3) || r.Body != started.Body {
			t.Errorf("request %d: id %s attempt %s acked %v; want IvrStartedEvent's id %s, attempt %d, the same body",
				i+1, r.ID, r.Attempt, r.Acked, started.ID, i+1)
		}
	}

	asked := time.Now()
	cb.api.ok("/media/playMedia", map[string]string{"callId": callID, "urls": "long.wav"})
	waitRun(t, "the caller, long.wav", ear.heard, asked, longHz, 10, 5*time.Second)
	before := cb.stats(sub)

	app.down()
	for _, k := range []byte("56") {
		p.rfc4733(k)
		cb.waitLog(5*time.Second, "event.kind=dtmf.digit", fmt.Sprintf("digit=%c", k))
	}
	stopped := time.Now()
	cb.api.ok("/media/stopMedia", map[string]string{"callId": callID})
	waitRun(t, "the caller, silence after stopMedia", ear.heard, stopped, 0, 10, 3*time.Second)
	cb.waitStats(sub, "failing while the server is down", 20*time.Second, func(s subStats) bool {
		return s.Failed > before.Failed && s.Pending > 0 && s.LastError != "" && s.QueueAgeS > 0
	})
	app.up()
	c.hangup()
	app.waitEvent(90*time.Second, callID, "IvrEndedEvent")
	cb.waitStats(sub, "all delivered", 10*time.Second, func(s subStats) bool { return s.Pending == 0 })
	if s := cb.stats(sub); s.QueueAgeS != 0 || s.LatencyMS <= 0 {
		t.Errorf("after delivery: queue age %v s (want 0), last latency %v ms (want > 0)", s.QueueAgeS, s.LatencyMS)
	}

	evs := app.delivered(callID)
	checkCallEvents(t, evs, []string{"IvrStartedEvent", "IvrDtmfEvent 5", "IvrDtmfEvent 6",
		"IvrMediaEndedEvent long.wav stopped", "IvrEndedEvent NORMAL_CLEAR"})
	acks := map[string]int{}
	for _, r := range app.requests() {
		if r.Acked {
			acks[r.ID]++
		}
	}
	for id, n := range acks {
		if n > 1 {
			t.Errorf("event %s was sent again after its 2xx (%d times)", id, n)
		}
	}
	for _, e := range evs {
		if e.name() == "IvrDtmfEvent" {
			checkBase(t, e, "IvrDtmfEvent", []string{"ivr"}, asked.Add(-time.Second), time.Now())
		}
	}
}

// TestCloudFallback: the IVR's fallback runs when the application does not
// steer the call: an application that gets IvrStartedEvent and sends no
// request (fallback: IVR 6502 after first_command, 2 s); a callback that
// never answers (fallback: hang up after 1 s; the events arrive once it
// answers again); no subscription at all (the fallback at once).
func TestCloudFallback(t *testing.T) {
	t.Parallel()
	t.Run("no request", func(t *testing.T) {
		t.Parallel()
		app := newCloudApp(t)
		cb := startCloudBox(t, cloudConfig(`{"first_command": 2, "fallback": {"type": "ivr", "target": "6502"}}`))
		cb.subscribe(app.url())
		p := newPeer(t, 0)
		ear := &callerEar{p: p}
		dialed := time.Now()
		c := dialBox(t, cb.box, cloudIVR, cloudCaller, p)
		started := app.waitEvent(10*time.Second, "", "IvrStartedEvent")
		ended := app.waitEvent(10*time.Second, started.str("callId"), "IvrEndedEvent")
		checkEnded(t, ended, started, "TIMEOUT")
		if d := ended.At.Sub(started.At); d < 1500*time.Millisecond || d > 4*time.Second {
			t.Errorf("IvrEndedEvent came %v after IvrStartedEvent, want about first_command (2 s)", d)
		}
		greet := waitRun(t, "the caller, greeting", ear.heard, dialed, greetHz, 5, time.Second)
		fallback := waitRun(t, "the caller, IVR 6502", ear.heard, greet.at, plainHz, 10, 5*time.Second)
		if d := fallback.at.Sub(greet.at); d < 2*time.Second || d > 4500*time.Millisecond {
			t.Errorf("6502's prompt came %v after the greeting started, want the greeting (0.4 s) and first_command (2 s)", d)
		}
		c.waitBye(10 * time.Second)
		checkCallEvents(t, app.delivered(started.str("callId")), []string{"IvrStartedEvent", "IvrEndedEvent TIMEOUT"})
	})
	t.Run("callback never answers", func(t *testing.T) {
		t.Parallel()
		app := newCloudApp(t)
		release := app.hangUp()
		cb := startCloudBox(t, cloudConfig(`{"first_command": 1}`))
		cb.subscribe(app.url())
		p := newPeer(t, 0)
		ear := &callerEar{p: p}
		dialed := time.Now()
		c := dialBox(t, cb.box, cloudIVR, cloudCaller, p)
		c.waitBye(10 * time.Second)
		byeAt := time.Now()
		greet := waitRun(t, "the caller, greeting", ear.heard, dialed, greetHz, 5, time.Second)
		if d := byeAt.Sub(greet.at); d < 1300*time.Millisecond || d > 4*time.Second {
			t.Errorf("the box hung up %v after the greeting started, want the greeting (0.4 s) and first_command (1 s)", d)
		}
		release()
		started := app.waitEvent(90*time.Second, "", "IvrStartedEvent")
		ended := app.waitEvent(90*time.Second, started.str("callId"), "IvrEndedEvent")
		checkEnded(t, ended, started, "TIMEOUT")
		checkCallEvents(t, app.delivered(started.str("callId")), []string{"IvrStartedEvent", "IvrEndedEvent TIMEOUT"})
	})
	t.Run("no subscription", func(t *testing.T) {
		t.Parallel()
		cb := startCloudBox(t, cloudConfig(`{"first_command": 10, "fallback": {"type": "ivr", "target": "6502"}}`))
		p := newPeer(t, 0)
		ear := &callerEar{p: p}
		dialed := time.Now()
		c := dialBox(t, cb.box, cloudIVR, cloudCaller, p)
		greet := waitRun(t, "the caller, greeting", ear.heard, dialed, greetHz, 5, 3*time.Second)
		// Waits longer than first_command, to tell "late" from "never".
		fallback := waitRun(t, "the caller, IVR 6502", ear.heard, greet.at, plainHz, 10, 15*time.Second)
		if d := fallback.at.Sub(greet.at); d > 1500*time.Millisecond {
			t.Errorf("6502's prompt came %v after the greeting started: the fallback should run at once, not after first_command (10 s)", d)
		}
		c.waitBye(10 * time.Second)
	})
}

// TestCloudRestart: a subscription survives a restart of the box, and the
// serials of the events after it go on increasing (never reused).
func TestCloudRestart(t *testing.T) {
	t.Parallel()
	app := newCloudApp(t)
	cb := startCloudBox(t, cloudConfig(`{"first_command": 1}`))
	sub := cb.subscribe(app.url())
	c := dialBox(t, cb.box, cloudIVR, cloudCaller, newPeer(t, 0))
	first := app.waitEvent(15*time.Second, "", "IvrEndedEvent")
	c.waitBye(5 * time.Second)
	cb.waitStats(sub, "all delivered", 10*time.Second, func(s subStats) bool { return s.Pending == 0 })
	if s := cb.stats(sub); s.QueueAgeS != 0 || s.LatencyMS <= 0 {
		t.Errorf("after delivery: queue age %v s (want 0), last latency %v ms (want > 0)", s.QueueAgeS, s.LatencyMS)
	}
	cb.box.stop()

	b2 := startBox(t, boxOpts{dir: cb.dir, ports: cb.box})
	cb2 := &cloudBox{box: b2, adm: cb.adm, api: cb.api}
	cb2.api.t = t
	if s := cb2.stats(sub); s.ID != sub {
		t.Fatalf("subscription %s lost in the restart", sub)
	}
	c2 := dialBox(t, b2, cloudIVR, cloudCaller, newPeer(t, 0))
	started := app.waitEvent(15*time.Second, cb2.liveCallOf(c2.callID).ID, "IvrStartedEvent")
	if atoi(started.str("serial")) <= atoi(first.str("serial")) {
		t.Errorf("serial %s after the restart, %s before it: serials are never reused", started.str("serial"), first.str("serial"))
	}
	c2.waitBye(10 * time.Second) // the fallback (hang up) after first_command
	app.waitEvent(10*time.Second, started.str("callId"), "IvrEndedEvent")
}
