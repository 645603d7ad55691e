package cloud

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// appServer records the events POSTed to it; while down it answers 503.
type appServer struct {
	*httptest.Server
	mu     sync.Mutex
	down   bool
	events []map[string]any
	got    chan struct{}
}

func newAppServer(t *testing.T) *appServer {
	s := &appServer{got: make(chan struct{}, 100)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		s.events = append(s.events, m)
		s.got <- struct{}{}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *appServer) setDown(d bool) { s.mu.Lock(); s.down = d; s.mu.Unlock() }

// wait returns the first n events, failing after a deadline.
func (s *appServer) wait(t *testing.T, n int) []map[string]any {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		if len(s.events) >= n {
			out := append([]map[string]any(nil), s.events[:n]...)
			s.mu.Unlock()
			return out
		}
		s.mu.Unlock()
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("%d events, want %d", len(s.events), n)
		}
	}
}

// cloudCall is a call snapshot in IVR 6001.
var cloudCall = &event.Call{ID: "c1", Leg: "leg1", SIPCallID: "sip1@h", FromTag: "ft", ToTag: "tt",
	From: "18012345678", To: "6001", IVR: "6001", Dir: "Inbound"}

func offered(id string) event.Event {
	return event.Event{Kind: event.ControlOffered, CallID: id, Call: cloudCall,
		Control: &event.Control{Key: config.CloudOfferKey, Params: "6001"}}
}

func endedEv(id, reason string) event.Event {
	return event.Event{Kind: event.ControlEnded, CallID: id, Call: cloudCall,
		Control: &event.Control{Key: config.CloudOfferKey, Reason: reason}}
}

// TestEvents: IvrStartedEvent and IvrEndedEvent carry every field of the
// seed in its formats; the causes map the step's end; the application
// server down for a while gets every event, in order, once it is back;
// serials keep increasing across a restart.
func TestEvents(t *testing.T) {
	app := newAppServer(t)
	r := newRig(t, nil, nil)
	if a := r.post("/event/subscribe", testToken, map[string]any{"url": app.URL, "topics": []string{"ivr", "call"}}); a.Body["result"] != "success" || a.Body["id"] == "" {
		t.Fatalf("subscribe: %+v", a)
	}
	r.api.Hook(offered("c1"))
	ev := app.wait(t, 1)[0]
	want := map[string]any{"eventName": "IvrStartedEvent", "eventSrc": "6001@test.cc", "namespace": "test.cc",
		"srcDeviceId": "6001@test.cc", "callId": "c1", "deviceId": "6001@test.cc", "connectionId": "leg1",
		"callingDevice": "18012345678@test.cc", "calledDevice": "6001@test.cc", "localConnectionState": "Connect",
		"cause": "IVR", "sipCallId": "sip1@h", "sipFromTag": "ft", "sipToTag": "tt"}
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("%s = %v, want %v", k, ev[k], v)
		}
	}
	if !regexp.MustCompile(`^\d{4}\.\d\d\.\d\d \d\d:\d\d:\d\d$`).MatchString(ev["eventTime"].(string)) {
		t.Errorf("eventTime %v", ev["eventTime"])
	}
	if tp, _ := json.Marshal(ev["topics"]); string(tp) != `["ivr","call"]` {
		t.Errorf("topics %s", tp)
	}
	app.setDown(true)
	for i, reason := range []string{call.OfferHangup, call.OfferTimeout, call.OfferMoved, call.OfferReleased} {
		id := string(rune('d' + i))
		r.api.Hook(offered(id))
		r.api.Hook(endedEv(id, reason))
	}
	r.api.Hook(endedEv("c1", call.OfferLost))
	app.setDown(false)
	got := app.wait(t, 10)
	causes := map[string]string{}
	last := map[string]float64{}
	for _, e := range got {
		id := e["callId"].(string)
		if s := e["serial"].(float64); s <= last[id] {
			t.Errorf("call %s: serial %v after %v", id, s, last[id])
		} else {
			last[id] = s
		}
		if e["eventName"] == "IvrEndedEvent" {
			causes[id] = e["cause"].(string)
			if e["localConnectionState"] != "Idle" || e["sipCallId"] != nil {
				t.Errorf("ended event %+v", e)
			}
		}
	}
	wantCauses := map[string]string{"c1": CauseTimeout, "d": CauseNormalClear, "e": CauseTimeout, "f": CauseTransfer, "g": CauseAppRelease}
	for id, c := range wantCauses {
		if causes[id] != c {
			t.Errorf("call %s cause %q, want %q", id, causes[id], c)
		}
	}
	first := ev["serial"].(float64)
	waitDelivered(t, r.api, 10)
	_ = r.api.Close()
	r2 := newRig(t, r.db, nil)
	r2.api.Hook(offered("h"))
	after := app.wait(t, 11)[10]
	if after["serial"].(float64) <= first+9 {
		t.Errorf("serial after restart %v, before %v", after["serial"], first+9)
	}
	waitDelivered(t, r2.api, 1)
	if subs := r2.api.Subscriptions(); len(subs) != 1 || subs[0].Delivered != 1 {
		t.Errorf("subscriptions after restart: %+v", subs)
	}
}

// TestUnsubscribe: an unsubscribed server gets nothing more, and its
// outbox bucket is gone.
func TestUnsubscribe(t *testing.T) {
	app := newAppServer(t)
	r := newRig(t, nil, nil)
	sb, err := r.api.Subscribe(Subscription{URL: app.URL, Topics: []string{"ivr"}, Secret: "s"})
	if err != nil || !sb.HasSecret || sb.Secret != "" {
		t.Fatalf("subscribe: %+v %v", sb, err)
	}
	r.api.Hook(offered("c1"))
	app.wait(t, 1)
	if a := r.post("/event/unsubscribe", testToken, map[string]string{"id": sb.ID}); a.Body["result"] != "success" {
		t.Fatalf("unsubscribe: %+v", a)
	}
	if n := len(r.api.Subscriptions()); n != 0 {
		t.Fatalf("%d subscriptions left", n)
	}
	_ = r.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte(outboxPrefix+sb.ID)) != nil {
			t.Error("outbox bucket left")
		}
		return nil
	})
}

// waitDelivered waits until the first subscription's outbox has n events
// acknowledged and none pending.
func waitDelivered(t *testing.T, a *API, n uint64) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if s := a.Subscriptions(); len(s) > 0 && s[0].Delivered >= n && s[0].Pending == 0 {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("not delivered: %+v", a.Subscriptions())
		}
	}
}

// TestListening: the box knows whether anyone would hear of a cloud call.
func TestListening(t *testing.T) {
	r := newRig(t, nil, nil)
	if r.api.Listening() {
		t.Fatal("listening without subscriptions")
	}
	if _, err := r.api.Subscribe(Subscription{URL: "http://127.0.0.1:1/", Topics: []string{TopicCall}}); err != nil {
		t.Fatal(err)
	}
	if r.api.Listening() {
		t.Fatal("listening with only topic call")
	}
	if _, err := r.api.Subscribe(Subscription{URL: "http://127.0.0.1:1/", Topics: []string{TopicIVR}, Namespace: "test.cc"}); err != nil {
		t.Fatal(err)
	}
	if !r.api.Listening() {
		t.Fatal("not listening with topic ivr")
	}
	r.cfg.Cloud.Namespace = "other.cc"
	if r.api.Listening() {
		t.Fatal("listening in another namespace")
	}
}
