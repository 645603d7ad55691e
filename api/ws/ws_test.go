package ws

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ivrbox/ivrbox/api/internal/authlimit"
	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/event"
)

func TestTokenRequired(t *testing.T) {
	r := newRig(t)
	for _, path := range []string{"/ws", "/ws?token=wrong", "/ws?token=cloud-only", "/ws/token/v1/nope"} {
		resp, err := http.Get(r.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: HTTP %d, want 401", path, resp.StatusCode)
		}
	}
	// Ten failures from one address block it for a minute, even with the
	// right token.
	for i := 0; i < authlimit.FailLimit; i++ {
		resp, err := http.Get(r.srv.URL + "/ws?token=guess")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(r.srv.URL + "/ws?token=" + testToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after %d failures: HTTP %d, want 429", authlimit.FailLimit, resp.StatusCode)
	}
	r.advance(authlimit.Block + time.Second)
	for _, path := range []string{"/ws?token=" + testToken, "/ws/token/v1/" + testToken} {
		c := r.dial(path)
		c.send(`["ping", {"qid": 7}]`)
		if name, body := c.next(); name != "ping_result" || body["qid"] != 7.0 || body["result"] != "pong" {
			t.Errorf("%s: ping answered %s %v", path, name, body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.srv.URL, "http")+"/ws/token/v1",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + testToken}}})
	if err != nil {
		t.Fatalf("bearer token: %v", err)
	}
	ws.CloseNow()
}

func TestMalformedMessagesKeepTheConnection(t *testing.T) {
	r := newRig(t)
	c := r.dial("/ws?token=" + testToken)
	for _, tt := range []struct {
		raw, name string
		code      int
	}{
		{`not json`, "error", 400},
		{`{"qid": 1}`, "error", 400},
		{`["ivrapi_accept"]`, "error", 400},
		{`["ivrapi_accept", 5]`, "ivrapi_accept_result", 400},
		{`["ivrapi_accept", {"qid": "q1", "key": 5}]`, "ivrapi_accept_result", 400},
		{`["ivrapi_accept", {"qid": 2, "key": "abc"}]`, "ivrapi_accept_result", 400},
		{`["ivrapi_accept", {"qid": 3, "key": "abc", "ivrid": "ivr-nope"}]`, "ivrapi_accept_result", 404},
		{`["nosuch", {"qid": 4}]`, "nosuch_result", 404},
		{`["subscribe", {"qid": 5, "class": "smsevents"}]`, "subscribe_result", 404},
		{`["subscribe", {"qid": 6, "events": ["ivrevents.nope"]}]`, "subscribe_result", 404},
		{`["ivrapi_component_apply", {"qid": 8, "key": "abc", "ivrid": "ivr-x", "data": 3}]`, "ivrapi_component_apply_result", 400},
	} {
		c.send(tt.raw)
		name, body := c.next()
		if code, _ := errCode(body); name != tt.name || code != tt.code {
			t.Errorf("%s: answered %s %v, want %s with code %d", tt.raw, name, body, tt.name, tt.code)
		}
	}
	c.send(`["ping", {"qid": "still"}]`)
	if name, body := c.next(); name != "ping_result" || body["qid"] != "still" {
		t.Errorf("after bad messages: %s %v", name, body)
	}
}

func TestOversizedMessageClosesTheConnection(t *testing.T) {
	r := newRig(t)
	c := r.dial("/ws?token=" + testToken)
	c.send(`["ping", {"qid": 1, "pad": "` + strings.Repeat("x", MaxMessage) + `"}]`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := c.ws.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
		t.Errorf("read after an oversized message: %v (status %d), want close 1009", err, got)
	}
}

// offer publishes a ControlOffered as the call core would.
func (r *rig) offer(callID, key string) {
	r.a.Hook(event.Event{Kind: event.ControlOffered, CallID: callID,
		Call:    &event.Call{ID: callID, SIPCallID: "sip-" + callID, IVR: "6590", State: event.StateAnswered, Started: r.clock()},
		Control: &event.Control{Key: key, Params: `{"a":1}`, Step: "api", ID: 14, Name: "step 14"}})
}

func TestEventsAndSubscriptions(t *testing.T) {
	r := newRig(t)
	ivr := r.dial("/ws?token=" + testToken)
	ivr.send(`["subscribe", {"qid": 1, "objects": "any", "events": ["ivrevents.*"], "expires": 60, "id": "s1"}]`)
	if name, body := ivr.next(); name != "subscribe_result" || body["result"] != "ok" || body["id"] != "s1" {
		t.Fatalf("subscribe: %s %v", name, body)
	}
	calls := r.dial("/ws?token=" + testToken)
	calls.send(`["subscribe", {"qid": 1, "class": "callevents"}]`)
	calls.next()

	r.offer("1700.1", "abc")
	name, body := ivr.next()
	data, _ := body["data"].(map[string]any)
	if name != "notify" || body["class"] != "ivrevents" || body["type"] != "api_start" || data["ivrid"] != "ivr-1700.1" ||
		data["callid"] != "sip-1700.1" || data["cid"] != "1700.1" || data["key"] != "abc" || data["params"] != `{"a":1}` ||
		data["componentid"] != 14.0 || data["componentname"] != "step 14" || data["sm_id"] != "6590" || data["state"] != "dialog" {
		t.Errorf("api_start: %s %v", name, body)
	}
	r.a.Hook(event.Event{Kind: event.DTMFDigit, CallID: "1700.1", Digit: "5", Source: "rfc4733",
		Call: &event.Call{ID: "1700.1", SIPCallID: "sip-1700.1"}})
	if name, body := calls.next(); name != "notify" || body["type"] != "dtmf" || body["data"].(map[string]any)["dtmf"] != "5" {
		t.Errorf("callevents.dtmf: %s %v", name, body)
	}
	// A wrong key, then an accept another controller won.
	ivr.send(`["ivrapi_accept", {"qid": 2, "key": "xyz", "ivrid": "ivr-1700.1"}]`)
	if _, body := ivr.next(); !hasCode(body, 403, "wrong-key") {
		t.Errorf("wrong key: %v", body)
	}
	ivr.send(`["ivrapi_accept", {"qid": 3, "key": "abc", "ivrid": "ivr-1700.1"}]`)
	if _, body := ivr.next(); !hasCode(body, 409, "taken") {
		t.Errorf("taken: %v", body)
	}
	ivr.send(`["ivrapi_component_apply", {"qid": 4, "key": "abc", "ivrid": "ivr-1700.1", "data": {"oType": 204, "file": "x.wav"}}]`)
	if _, body := ivr.next(); !hasCode(body, 403, "not-owner") {
		t.Errorf("apply before accept: %v", body)
	}
	// api_stop with the vendor's reason.
	r.a.Hook(event.Event{Kind: event.ControlEnded, CallID: "1700.1", Control: &event.Control{Key: "abc", Step: "api", Reason: call.OfferLost}})
	if _, body := ivr.next(); body["type"] != "api_stop" || body["data"].(map[string]any)["reason"] != "timeout" ||
		body["data"].(map[string]any)["cause"] != "lost" {
		t.Errorf("api_stop: %v", body)
	}
	// A late subscriber hears the steps in progress; an expired
	// subscription hears nothing more.
	r.offer("1700.2", "k2")
	ivr.next()
	late := r.dial("/ws?token=" + testToken)
	late.send(`["subscribe", {"qid": 9, "class": "ivrevents"}]`)
	late.next()
	if _, body := late.next(); body["type"] != "api_start" || body["data"].(map[string]any)["ivrid"] != "ivr-1700.2" {
		t.Errorf("replayed api_start: %v", body)
	}
	r.advance(61 * time.Second)
	r.offer("1700.3", "k3")
	if _, body := late.next(); body["data"].(map[string]any)["ivrid"] != "ivr-1700.3" {
		t.Errorf("late subscriber: %v", body)
	}
	ivr.send(`["ping", {"qid": 10}]`)
	if name, _ := ivr.next(); name != "ping_result" {
		t.Errorf("expired subscription still got %s", name)
	}
}

func hasCode(body map[string]any, code int, reason string) bool {
	c, r := errCode(body)
	return c == code && r == reason
}

func TestSlowClientIsDisconnected(t *testing.T) {
	r := newRig(t)
	c := r.dial("/ws?token=" + testToken)
	c.send(`["subscribe", {"qid": 1, "class": "callevents"}]`)
	c.next()
	// The client reads nothing while far more events than its queue holds
	// are published: the publisher never blocks, the client is dropped.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20*SendQueue; i++ {
			r.a.Hook(event.Event{Kind: event.DTMFDigit, CallID: "1.1", Digit: "1", Call: &event.Call{ID: "1.1"}})
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("publishing to a slow client blocked")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.ws.Read(ctx)
		if err != nil {
			if s := websocket.CloseStatus(err); s != websocket.StatusPolicyViolation && ctx.Err() != nil {
				t.Errorf("slow client: %v (status %d)", err, s)
			}
			break
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.a.Conns() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling a counter; the drop itself was awaited above
	}
	if n := r.a.Conns(); n != 0 {
		t.Errorf("%d connections left", n)
	}
}
