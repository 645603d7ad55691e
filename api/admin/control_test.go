package admin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// offered adds a live call id whose API-control step offers it under key.
func offered(e *env, id, key string) *fakeCall {
	c := e.calls.addCall(id)
	c.offer = &call.OfferSpec{Key: key, Step: "api", Timeout: 30 * time.Second}
	return c
}

// accept takes call id under key and returns the lease.
func accept(t *testing.T, e *env, who as, id string, body any) leaseJSON {
	t.Helper()
	var l leaseJSON
	e.do(who, "POST", "calls/"+id+"/control", body).want(t, http.StatusCreated).decode(t, &l)
	if len(l.Lease) < 20 {
		t.Fatalf("lease %+v", l)
	}
	return l
}

// owner is the call's control now.
func (c *fakeCall) control() *fakeControl {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.owner
}

func TestControlAccept(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	_, tok := createToken(t, e, me, "exam app")
	c := offered(e, "c1", "6501")

	// Refusals before anything is accepted.
	for _, tc := range []struct {
		body  any
		code  int
		field string
	}{
		{map[string]any{"key": ""}, http.StatusUnprocessableEntity, "key"},
		{map[string]any{"key": "6501", "ttl_s": 601}, http.StatusUnprocessableEntity, "ttl_s"},
		{map[string]any{"key": "6501", "ttl_s": -1}, http.StatusUnprocessableEntity, "ttl_s"},
		{`{"key": "6501", "lease": 1}`, http.StatusBadRequest, ""},
		{map[string]any{"key": "6599"}, http.StatusConflict, ""},
	} {
		r := e.do(me, "POST", "calls/c1/control", tc.body).want(t, tc.code)
		if tc.field != "" && !strings.Contains(string(r.body), `"field":"`+tc.field+`"`) {
			t.Errorf("%v: answer %s", tc.body, r.body)
		}
	}
	e.do(me, "POST", "calls/c9/control", map[string]any{"key": "6501"}).want(t, http.StatusNotFound)

	// A token's controller is named after the token; the TTL defaults to 30 s.
	l := accept(t, e, as{token: tok}, "c1", map[string]any{"key": "6501"})
	if l.TTLS != 30 || l.Controller != "admin:exam app" {
		t.Errorf("lease %+v", l)
	}
	if opt := c.accepts[0]; opt.Name != "admin:exam app" || opt.TTL != 30*time.Second || opt.Hooks.OnEnd == nil {
		t.Errorf("accept options %+v", opt)
	}
	var got callJSON
	e.do(me, "GET", "calls/c1", nil).want(t, http.StatusOK).decode(t, &got)
	if got.Controller != "admin:exam app" || !got.Offer.Accepted {
		t.Errorf("call %+v", got)
	}

	// Taken: a second accept is refused, a reaccept takes the call over
	// and the first lease is gone.
	r := e.do(me, "POST", "calls/c1/control", map[string]any{"key": "6501"}).want(t, http.StatusConflict)
	if !strings.Contains(r.errorText(t), "another controller has the call") {
		t.Errorf("message %q", r.errorText(t))
	}
	l2 := accept(t, e, me, "c1", map[string]any{"key": "6501", "ttl_s": 600, "reaccept": true})
	if l2.TTLS != 600 || !strings.HasPrefix(l2.Controller, "admin:session-") || len(l2.Controller) != len("admin:session-")+8 ||
		l2.Lease == l.Lease {
		t.Errorf("reaccept lease %+v", l2)
	}
	e.do(me, "POST", "calls/c1/control/"+l.Lease+"/touch", nil).want(t, http.StatusNotFound)
	e.do(me, "POST", "calls/c1/control/"+l2.Lease+"/touch", nil).want(t, http.StatusNoContent)
	// The leg id names the call too; another call's path does not.
	e.do(me, "POST", "calls/c1-leg/control/"+l2.Lease+"/touch", nil).want(t, http.StatusNoContent)
	offered(e, "c2", "x")
	e.do(me, "POST", "calls/c2/control/"+l2.Lease+"/touch", nil).want(t, http.StatusNotFound)
	if ctl := c.control(); ctl.touches != 2 {
		t.Errorf("%d touches", ctl.touches)
	}
}

func TestControlCommands(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	c := offered(e, "c1", "6501")
	l := accept(t, e, me, "c1", map[string]any{"key": "6501"})
	ctl := c.control()
	path := "calls/c1/control/" + l.Lease

	// Without wait: 202 and the id; the command arrives as sent.
	var id map[string]uint64
	e.do(me, "POST", path+"/commands", map[string]any{"kind": "collect", "prompts": []string{"password"}, "min_digits": 4,
		"max_digits": 6, "finish_keys": "#", "first_timeout_ms": 5000, "inter_timeout_ms": 3000, "tag": "code"}).
		want(t, http.StatusAccepted).decode(t, &id)
	if id["id"] != 1 {
		t.Errorf("answer %v", id)
	}
	want := call.Command{Kind: call.KindCollect, Tag: "code", Prompts: []string{"password"}, MinDigits: 4, MaxDigits: 6,
		FinishKeys: "#", FirstTimeout: 5 * time.Second, InterTimeout: 3 * time.Second}
	if !reflect.DeepEqual(ctl.cmds[0], want) {
		t.Errorf("command %+v\nwant    %+v", ctl.cmds[0], want)
	}
	e.do(me, "POST", path+"/commands", map[string]any{"kind": "record", "format": "in", "max_duration_ms": 60000,
		"silence_stop_ms": 3000, "beep": true, "finish_keys": "#"}).want(t, http.StatusAccepted)
	e.do(me, "POST", path+"/commands", map[string]any{"kind": "digits", "digits": "12#", "duration_ms": 120}).want(t, http.StatusAccepted)
	if got := ctl.cmds[1]; got.MaxDuration != time.Minute || got.SilenceStop != 3*time.Second || !got.Beep || got.Format != "in" {
		t.Errorf("record command %+v", got)
	}
	if got := ctl.cmds[2]; got.Digits != "12#" || got.Duration != 120*time.Millisecond {
		t.Errorf("digits command %+v", got)
	}

	// With wait: the result.
	ctl.auto = func(cmd call.Command) *call.Result {
		return &call.Result{Status: call.StatusDone, File: "2025/03/01/c1-r1.wav", Files: []string{"2025/03/01/c1-r1.wav"},
			Length: 2500 * time.Millisecond, Reason: "finish-key", Key: "#"}
	}
	var res resultJSON
	r := e.do(me, "POST", path+"/commands?wait=1", map[string]any{"kind": "record", "tag": "msg"}).want(t, http.StatusOK)
	r.decode(t, &res)
	if !reflect.DeepEqual(res, resultJSON{ID: 4, Kind: "record", Tag: "msg", Status: "done", Key: "#", File: "2025/03/01/c1-r1.wav",
		Files: []string{"2025/03/01/c1-r1.wav"}, LengthMS: 2500, Reason: "finish-key"}) {
		t.Errorf("result %s", r.body)
	}

	// Refusals.
	for _, tc := range []struct {
		query string
		body  any
		code  int
		msg   string
	}{
		{"", map[string]any{"kind": "join"}, 400, "conferences"},
		{"", map[string]any{"kind": "dance"}, 400, "want play, collect"},
		{"", map[string]any{"kind": "wait", "duration_ms": -5}, 400, "duration_ms"},
		{"", map[string]any{"kind": "wait", "duration_ms": 1 << 40}, 400, "duration_ms"},
		{"", map[string]any{"kind": "play", "tag": strings.Repeat("x", 200)}, 400, "tag"},
		{"", `{"kind": "play", "volume": 3}`, 400, "unknown field"},
		{"?wait=maybe", map[string]any{"kind": "play"}, 400, "wait"},
	} {
		r := e.do(me, "POST", path+"/commands"+tc.query, tc.body).want(t, tc.code)
		if !strings.Contains(r.errorText(t), tc.msg) {
			t.Errorf("%v: message %q, want %q in it", tc.body, r.errorText(t), tc.msg)
		}
	}
	e.do(me, "POST", "calls/c1/control/nope/commands", map[string]any{"kind": "play"}).want(t, http.StatusNotFound)
	if len(ctl.cmds) != 4 {
		t.Errorf("%d commands submitted, want 4", len(ctl.cmds))
	}

	// Stop, then release: the IVR carries on, the lease is gone.
	e.do(me, "POST", path+"/stop", nil).want(t, http.StatusNoContent)
	e.do(me, "DELETE", path, nil).want(t, http.StatusNoContent)
	if ctl.stops != 1 || ctl.releases != 1 {
		t.Errorf("%d stops, %d releases", ctl.stops, ctl.releases)
	}
	for _, m := range []string{"POST /commands", "POST /touch", "POST /stop", "DELETE "} {
		method, suffix, _ := strings.Cut(m, " ")
		r := e.do(me, method, path+suffix, map[string]any{"kind": "play"}).want(t, http.StatusNotFound)
		if !strings.Contains(r.errorText(t), "released, taken over, lost or the call ended") {
			t.Errorf("%s: message %q", m, r.errorText(t))
		}
	}
}

// TestControlLost: a control the call core ends (the lease ran out, the
// step moved on) is forgotten at once; a command of a control that lost
// the call is refused with 409.
func TestControlLost(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	c := offered(e, "c1", "k")
	l := accept(t, e, me, "c1", map[string]any{"key": "k"})
	c.control().end("lost")
	e.do(me, "POST", "calls/c1/control/"+l.Lease+"/touch", nil).want(t, http.StatusNotFound)
	e.api.leaseMu.Lock()
	n := len(e.api.leases)
	e.api.leaseMu.Unlock()
	if n != 0 {
		t.Errorf("%d leases kept", n)
	}
	if got := callError(&call.Error{Code: call.CodeNotOwner}).(*HTTPError).Code; got != http.StatusConflict {
		t.Errorf("not-owner: %d", got)
	}
}

// TestControlWaitEnds: a waiting command is stopped when its request ends
// first, and when the API closes (the box restarts).
func TestControlWaitEnds(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	c := offered(e, "c1", "k")
	l := accept(t, e, me, "c1", map[string]any{"key": "k"})
	ctl := c.control()
	url := e.srv.URL + Prefix + "calls/c1/control/" + l.Lease + "/commands?wait=1"
	post := func(ctx context.Context) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(`{"kind": "play", "prompts": ["music"], "loop": -1}`))
		req.AddCookie(&http.Cookie{Name: cookieName, Value: me.cookie})
		return e.srv.Client().Do(req)
	}

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := post(ctx)
		errc <- err
	}()
	o := <-ctl.submitted
	cancel()
	<-o.Done()
	if res := o.Result(); res.Status != call.StatusStopped {
		t.Errorf("result after the request ended: %+v", res)
	}
	if err := <-errc; err == nil {
		t.Error("the cancelled request got an answer")
	}

	type answer struct {
		code int
		body string
	}
	ans := make(chan answer, 1)
	go func() {
		r, err := post(context.Background())
		if err != nil {
			ans <- answer{0, err.Error()}
			return
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		ans <- answer{r.StatusCode, string(b)}
	}()
	o = <-ctl.submitted
	e.api.Close()
	a := <-ans
	if a.code != http.StatusOK || !strings.Contains(a.body, `"status":"stopped"`) {
		t.Errorf("answer on close: %d %s", a.code, a.body)
	}
	if ctl.releases != 1 {
		t.Errorf("Close released %d controls, want 1", ctl.releases)
	}
}

func TestControlLeaseLimit(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	for n := range maxLeases + 1 {
		id := fmt.Sprint("c", n)
		offered(e, id, "k")
		r := e.do(me, "POST", "calls/"+id+"/control", map[string]any{"key": "k"})
		switch {
		case n < maxLeases:
			r.want(t, http.StatusCreated)
		default:
			r.want(t, http.StatusConflict)
			if !strings.Contains(r.errorText(t), "too many call controls") {
				t.Errorf("message %q", r.errorText(t))
			}
		}
	}
	// A control that ends makes room.
	c := e.calls.Call("c0").(*fakeCall)
	c.control().end("hangup")
	e.do(me, "POST", "calls/c256/control", map[string]any{"key": "k"}).want(t, http.StatusCreated)
}
