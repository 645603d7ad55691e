// End-to-end tests of the cloud IVR API (seed 000, docs/API-CLOUD.md)
// through the binary: an application server in the test subscribes with a
// token made through the admin API, a sipgo caller sending 1 kHz calls a
// cloud IVR, and the application monitors and steers the call.

package e2e

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCloudFlow: the whole flow of the seed. The application subscribes;
// the caller hears the greeting, then IvrStartedEvent arrives with every
// field right (the SIP ids being the caller's own); monitor-call sends the
// caller's 1 kHz to c-rtp and the box's media to a-rtp; playMedia of a file
// and of the application's URL are heard in order; stopAndPlayMedia cuts a
// long prompt within 100 ms; the caller hangs up: IvrEndedEvent
// (NORMAL_CLEAR) and the forks stop.
func TestCloudFlow(t *testing.T) {
	t.Parallel()
	app := newCloudApp(t)
	media := newMediaServer(t)
	cb := startCloudBox(t, cloudConfig(`{"first_command": 10, "idle": 60}`))
	sub := cb.subscribe(app.url())
	checkSubscriptionListed(t, cb, sub, app.url())

	p := newPeer(t, 0)
	p.loopTone(callerHz)
	ear := &callerEar{p: p}
	dialed := time.Now()
	c := dialBox(t, cb.box, cloudIVR, cloudCaller, p)
	started := app.waitEvent(15*time.Second, "", "IvrStartedEvent")
	arrived := time.Now()
	live := cb.liveCallOf(c.callID)
	checkStarted(t, started, c, live, dialed, arrived)
	callID := started.str("callId")
	greet, ok := runAfter(ear.heard(), dialed, greetHz, 5)
	if !ok || greet.at.After(arrived) {
		t.Errorf("the greeting (%d Hz) was not heard before IvrStartedEvent; heard %s", greetHz, toneSummary(ear.heard(), dialed))
	}

	aRTP, cRTP := newRTPSink(t), newRTPSink(t)
	mon := cb.api.ok("/remote/monitor-call", cb.monitorBody(started, aRTP.url(), cRTP.url()))
	if mon.str("result") != "success" || mon.str("id") != "req-"+started.str("serial") {
		t.Errorf("monitor-call: %s, want {\"id\":\"req-%s\",\"result\":\"success\"}", mon.Body, started.str("serial"))
	}
	monitored := time.Now()
	waitRun(t, "c-rtp (the caller's side)", cRTP.heard, monitored, callerHz, 10, 5*time.Second)

	// A prompt file of the box, heard by the caller and on a-rtp.
	asked := time.Now()
	if a := cb.api.ok("/media/playMedia", map[string]string{"callId": callID, "urls": "short.wav"}); a.str("callId") != callID {
		t.Errorf("playMedia: %s, want {\"callId\":%q}", a.Body, callID)
	}
	short := waitRun(t, "the caller, short.wav", ear.heard, asked, shortHz, 10, 5*time.Second)
	waitRun(t, "a-rtp (the box's side), short.wav", aRTP.heard, asked, shortHz, 10, 5*time.Second)
	if n := countTone(cRTP.heard(), shortHz, asked, time.Now()); n > 2 {
		t.Errorf("c-rtp carried %d frames of the box's %d Hz: the sides are mixed", n, shortHz)
	}

	// The application's own URL, asked for while short.wav plays
	// ("callid", the seed's other spelling): queued after it.
	if a := cb.api.ok("/media/playMedia", map[string]string{"callid": callID, "urls": media.url("/tone.wav")}); a.str("callId") != callID {
		t.Errorf("playMedia (callid): %s, want {\"callId\":%q}", a.Body, callID)
	}
	fromURL := waitRun(t, "the caller, the URL", ear.heard, short.at, urlHz, 10, 8*time.Second)
	if gap := fromURL.at.Sub(short.at); gap < 900*time.Millisecond {
		t.Errorf("the URL started %v after short.wav (1 s): it cut in instead of being queued; heard %s",
			gap, toneSummary(ear.heard(), asked))
	}
	if media.hitsOf("/tone.wav") == 0 {
		t.Error("the media server never got the URL")
	}

	// stopAndPlayMedia cuts the 10 s prompt.
	cb.api.ok("/media/playMedia", map[string]string{"callId": callID, "urls": "long.wav"})
	long := waitRun(t, "the caller, long.wav", ear.heard, fromURL.at, longHz, 10, 8*time.Second)
	cut := time.Now()
	cb.api.ok("/media/stopAndPlayMedia", map[string]string{"callid": callID, "urls": "short.wav"})
	answered := time.Since(cut)
	next := waitRun(t, "the caller, short.wav after stopAndPlayMedia", ear.heard, cut, shortHz, 3, 3*time.Second)
	if lag := next.at.Sub(cut); lag > 100*time.Millisecond {
		t.Errorf("the new media reached the caller %v after the stopAndPlayMedia request (answered in %v), want within 100 ms; heard %s",
			lag, answered, toneSummary(ear.heard(), long.at))
	}
	if aNext, ok := runAfter(aRTP.heard(), cut, shortHz, 3); ok {
		t.Logf("stopAndPlayMedia: caller %v, a-rtp %v after the request", next.at.Sub(cut), aNext.at.Sub(cut))
	}
	quiet := waitRun(t, "the caller, silence after short.wav", ear.heard, next.at, 0, 10, 4*time.Second)
	if n := countTone(ear.heard(), longHz, next.at, quiet.at); n > 0 {
		t.Errorf("%d frames of long.wav after stopAndPlayMedia: it was not stopped", n)
	}
	if n := countTone(ear.heard(), greetHz, arrived.Add(200*time.Millisecond), time.Now()); n > 2 {
		t.Errorf("the greeting was heard again (%d frames) after IvrStartedEvent: it plays once", n)
	}

	c.hangup()
	ended := app.waitEvent(10*time.Second, callID, "IvrEndedEvent")
	checkEnded(t, ended, started, "NORMAL_CLEAR")
	for _, s := range []struct {
		name string
		sink *rtpSink
	}{{"a-rtp", aRTP}, {"c-rtp", cRTP}} {
		if !s.sink.waitNoPackets(time.Second, 5*time.Second) {
			t.Errorf("%s still receives RTP after the hang-up", s.name)
		}
	}
	checkCallEvents(t, app.delivered(callID),
		[]string{"IvrStartedEvent", "IvrMediaEndedEvent short.wav finished", "IvrMediaEndedEvent " + media.url("/tone.wav") + " finished",
			"IvrMediaEndedEvent long.wav stopped", "IvrMediaEndedEvent short.wav finished", "IvrEndedEvent NORMAL_CLEAR"})
}

// checkSubscriptionListed checks that GET /event/subscriptions lists the
// subscription id with its url, topics and namespace.
func checkSubscriptionListed(t *testing.T, cb *cloudBox, id, url string) {
	t.Helper()
	a := cb.api.do("GET", "/event/subscriptions", nil)
	var list struct {
		Result        string `json:"result"`
		Subscriptions []struct {
			ID        string   `json:"id"`
			URL       string   `json:"url"`
			Topics    []string `json:"topics"`
			Namespace string   `json:"namespace"`
			HasSecret *bool    `json:"hasSecret"`
			Created   string   `json:"created"`
		} `json:"subscriptions"`
	}
	if err := json.Unmarshal(a.Body, &list); a.Status != 200 || err != nil || list.Result != "success" {
		t.Fatalf("GET /event/subscriptions: %d %s", a.Status, a.Body)
	}
	for _, s := range list.Subscriptions {
		if s.ID == id {
			if s.URL != url || !sameSet(s.Topics, []string{"ivr", "call"}) || s.Namespace != cloudNS ||
				s.HasSecret == nil || *s.HasSecret || s.Created == "" {
				t.Errorf("subscription listed as %s", a.Body)
			}
			return
		}
	}
	t.Errorf("subscription %s not listed: %s", id, a.Body)
}

// eventTimeRE is the seed's eventTime format, 2006.01.02 15:04:05.
var eventTimeRE = regexp.MustCompile(`^\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}$`)

// serialRE is a positive JSON integer.
var serialRE = regexp.MustCompile(`^[1-9][0-9]*$`)

// checkBase checks the base fields of a cloud event of the cloud IVR's call
// and that it happened between from and to (box local time, seconds).
func checkBase(t *testing.T, e cloudEvent, name string, topics []string, from, to time.Time) {
	t.Helper()
	want := map[string]string{"eventName": name, "eventSrc": device(cloudIVR), "srcDeviceId": device(cloudIVR),
		"deviceId": device(cloudIVR), "namespace": cloudNS}
	for k, v := range want {
		if got := e.str(k); got != v {
			t.Errorf("%s: %s = %q, want %q", name, k, got, v)
		}
	}
	if _, isNum := e.M["serial"].(json.Number); !isNum || !serialRE.MatchString(e.str("serial")) {
		t.Errorf("%s: serial %v, want a positive JSON integer", name, e.M["serial"])
	}
	if e.str("callId") == "" || e.str("connectionId") == "" {
		t.Errorf("%s: callId %q, connectionId %q", name, e.str("callId"), e.str("connectionId"))
	}
	if e.CallHdr != e.str("callId") || e.ID == "" {
		t.Errorf("%s: X-Ivrbox-Call-Id %q, X-Ivrbox-Event-Id %q; want the callId and an id (docs/EVENTS.md)", name, e.CallHdr, e.ID)
	}
	ts := e.str("eventTime")
	at, err := time.ParseInLocation("2006.01.02 15:04:05", ts, time.Local)
	if !eventTimeRE.MatchString(ts) || err != nil {
		t.Errorf("%s: eventTime %q, want the format 2006.01.02 15:04:05", name, ts)
	} else if at.Before(from.Truncate(time.Second).Add(-time.Second)) || at.After(to.Add(time.Second)) {
		t.Errorf("%s: eventTime %s, want between %s and %s (box local time)", name, ts,
			from.Format("2006.01.02 15:04:05"), to.Format("2006.01.02 15:04:05"))
	}
	var got []string
	if list, ok := e.M["topics"].([]any); ok {
		for _, x := range list {
			got = append(got, anyStr(x))
		}
	}
	if !sameSet(got, topics) {
		t.Errorf("%s: topics %v, want %v", name, e.M["topics"], topics)
	}
}

// checkStarted checks every field of IvrStartedEvent against the caller's
// own dialog and the box's listing of the call.
func checkStarted(t *testing.T, e cloudEvent, c *sipCaller, live liveCallInfo, from, to time.Time) {
	t.Helper()
	checkBase(t, e, "IvrStartedEvent", []string{"ivr", "call"}, from, to)
	want := map[string]string{"callId": live.ID, "connectionId": live.Leg,
		"callingDevice": device(cloudCaller), "calledDevice": device(cloudIVR),
		"localConnectionState": "Connect", "cause": "IVR",
		"sipCallId": c.callID, "sipFromTag": c.fromTag, "sipToTag": c.toTag}
	for k, v := range want {
		if got := e.str(k); got != v {
			t.Errorf("IvrStartedEvent: %s = %q, want %q", k, got, v)
		}
	}
}

// checkEnded checks IvrEndedEvent of the call that started began: the base
// fields, Idle, the cause, and none of the fields only IvrStartedEvent has.
func checkEnded(t *testing.T, e, started cloudEvent, cause string) {
	t.Helper()
	startedAt, _ := time.ParseInLocation("2006.01.02 15:04:05", started.str("eventTime"), time.Local)
	checkBase(t, e, "IvrEndedEvent", []string{"ivr", "call"}, startedAt, time.Now())
	for k, v := range map[string]string{"callId": started.str("callId"), "connectionId": started.str("connectionId"),
		"localConnectionState": "Idle", "cause": cause} {
		if got := e.str(k); got != v {
			t.Errorf("IvrEndedEvent: %s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"callingDevice", "calledDevice", "sipCallId", "sipFromTag", "sipToTag"} {
		if _, there := e.M[k]; there {
			t.Errorf("IvrEndedEvent has %s (%v): the contract leaves it out", k, e.M[k])
		}
	}
}

// eventSig is an event as checkCallEvents compares it: its name, then
// urls and result (IvrMediaEndedEvent), dtmf (IvrDtmfEvent) or cause.
func eventSig(e cloudEvent) string {
	parts := []string{e.name()}
	for _, k := range []string{"urls", "result", "dtmf", "cause"} {
		if v := e.str(k); v != "" && !(k == "cause" && e.name() == "IvrStartedEvent") {
			parts = append(parts, v)
		}
	}
	if e.name() == "IvrMediaEndedEvent" && e.str("result") == "key" {
		parts = parts[:len(parts)-1] // the key is checked by its own event
	}
	return strings.Join(parts, " ")
}

// checkCallEvents checks that a call's delivered events are want (by
// eventSig), in order, with increasing serials and event ids.
func checkCallEvents(t *testing.T, evs []cloudEvent, want []string) {
	t.Helper()
	var got []string
	for i, e := range evs {
		got = append(got, eventSig(e))
		if i == 0 {
			continue
		}
		prev := evs[i-1]
		if atoi(e.str("serial")) <= atoi(prev.str("serial")) {
			t.Errorf("serial %s after %s: serials must increase", e.str("serial"), prev.str("serial"))
		}
		if atoi(e.ID) <= atoi(prev.ID) {
			t.Errorf("event id %s after %s: ids must increase", e.ID, prev.ID)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("the call's events:\n  %s\nwant:\n  %s\nbodies:\n%s", strings.Join(got, "\n  "), strings.Join(want, "\n  "), dumpCloud(evs))
	}
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
