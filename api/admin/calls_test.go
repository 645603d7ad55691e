package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/event"
)

func TestCallDetails(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	c := e.calls.addCall("1700000000.1")
	e.calls.addCall("1700000000.2")
	c.offer = &call.OfferSpec{Key: "6501", Params: `{"exam":1}`, Step: "api", ID: 14, Name: "Exam step", Timeout: 45 * time.Second}

	var got callJSON
	r := e.do(me, "GET", "calls/1700000000.1", nil).want(t, http.StatusOK)
	r.decode(t, &got)
	if got.ID != "1700000000.1" || got.From != "1000" || got.Forks == nil || got.Recordings == nil ||
		got.Offer == nil || *got.Offer != (offerJSON{Key: "6501", Params: `{"exam":1}`, Step: "api", ID: 14, Name: "Exam step", TimeoutS: 45}) ||
		!strings.Contains(string(r.body), `"id":14,"name":"Exam step"`) {
		t.Errorf("call = %s", r.body)
	}
	if !strings.Contains(string(r.body), `"forks":[]`) || !strings.Contains(string(r.body), `"recordings":[]`) {
		t.Errorf("empty lists not []: %s", r.body)
	}
	// By leg id too; an unknown id is 404.
	e.do(me, "GET", "calls/1700000000.1-leg", nil).want(t, http.StatusOK)
	r = e.do(me, "GET", "calls/1700000000.9", nil).want(t, http.StatusNotFound)
	if !strings.Contains(r.errorText(t), `no live call with id "1700000000.9"`) {
		t.Errorf("message %q", r.errorText(t))
	}

	// Forks and recordings show in the call and as counts in the list.
	e.do(me, "POST", "calls/1700000000.1/forks", map[string]string{"in": "udp://192.0.2.10:4000"}).want(t, http.StatusCreated)
	e.do(me, "POST", "calls/1700000000.1/recordings", nil).want(t, http.StatusCreated)
	e.do(me, "GET", "calls/1700000000.1", nil).want(t, http.StatusOK).decode(t, &got)
	if len(got.Forks) != 1 || got.Forks[0].In != "udp://192.0.2.10:4000" || len(got.Recordings) != 1 ||
		got.Recordings[0].Format != "mixed" {
		t.Errorf("call = %+v", got)
	}
	var list []map[string]any
	e.do(me, "GET", "calls", nil).want(t, http.StatusOK).decode(t, &list)
	counts := []string{}
	for _, l := range list {
		counts = append(counts, fmt.Sprint(l["id"], " ", l["forks"], " ", l["recordings"]))
	}
	if want := "1700000000.1 1 1,1700000000.2 <nil> <nil>"; strings.Join(counts, ",") != want {
		t.Errorf("calls %v, want %s", counts, want)
	}
}

func TestForks(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	c := e.calls.addCall("c1")
	var f forkJSON
	r := e.do(me, "POST", "calls/c1/forks", map[string]string{"in": "udp://192.0.2.10:4000", "out": "udp://192.0.2.10:4002", "tag": "qa"}).
		want(t, http.StatusCreated)
	r.decode(t, &f)
	if f.ID != "f1" || f.In != "udp://192.0.2.10:4000" || f.Out != "udp://192.0.2.10:4002" || f.Tag != "qa" || f.Stats.In.Packets != 7 {
		t.Errorf("fork = %s", r.body)
	}
	if !strings.Contains(string(r.body), `"stats":{"in":{"packets":7,"bytes":0,"errors":0},"out":{`) {
		t.Errorf("stats not in lower case: %s", r.body)
	}
	e.do(me, "POST", "calls/c1/forks", map[string]string{"out": "udp://192.0.2.11:4000"}).want(t, http.StatusCreated)
	var list []forkJSON
	e.do(me, "GET", "calls/c1/forks", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 2 || list[0].ID != "f1" || list[1].ID != "f2" {
		t.Errorf("forks = %+v", list)
	}
	e.do(me, "DELETE", "calls/c1/forks/f1", nil).want(t, http.StatusNoContent)
	r = e.do(me, "DELETE", "calls/c1/forks/f1", nil).want(t, http.StatusNotFound)
	if !strings.Contains(r.errorText(t), `call c1 has no fork "f1"`) {
		t.Errorf("message %q", r.errorText(t))
	}
	e.do(me, "GET", "calls/c1/forks", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0].ID != "f2" {
		t.Errorf("forks after delete = %+v", list)
	}

	// Refusals.
	r = e.do(me, "POST", "calls/c1/forks", map[string]string{}).want(t, http.StatusBadRequest)
	if r.errorText(t) != "refused: no target: give in, out or both" {
		t.Errorf("message %q", r.errorText(t))
	}
	e.do(me, "POST", "calls/c1/forks", `{"in": "udp://192.0.2.1:1", "to": "x"}`).want(t, http.StatusBadRequest)
	e.do(me, "POST", "calls/c1/forks", map[string]string{"in": "udp://192.0.2.1:1", "tag": strings.Repeat("t", 129)}).
		want(t, http.StatusUnprocessableEntity)
	e.do(me, "POST", "calls/nope/forks", map[string]string{"in": "udp://192.0.2.1:1"}).want(t, http.StatusNotFound)
	e.do(me, "GET", "calls/nope/forks", nil).want(t, http.StatusNotFound)
	e.do(me, "DELETE", "calls/nope/forks/f2", nil).want(t, http.StatusNotFound)
	for _, tc := range []struct {
		err  error
		code int
		msg  string
	}{
		{&call.Error{Code: call.CodeLimit, Op: "fork", Msg: "call c1 already has 2 forks"}, http.StatusConflict, "limit reached: call c1 already has 2 forks"},
		{&call.Error{Code: call.CodeUnsupported, Op: "fork", Msg: "media forks are not set up on this box"}, http.StatusNotImplemented,
			"this box cannot do that: media forks are not set up on this box"},
		{&call.Error{Code: call.CodeEnded, Op: "fork", Msg: "call c1", Err: errors.New("call ended")}, http.StatusGone, "the call has ended"},
		{&call.Error{Code: call.CodeBadRequest, Op: "fork", Msg: "in target", Err: errors.New("fork: target refused: 127.0.0.1:9: the box itself")},
			http.StatusBadRequest, "refused: in target: fork: target refused: 127.0.0.1:9: the box itself"},
	} {
		c.mu.Lock()
		c.failNext = tc.err
		c.mu.Unlock()
		r := e.do(me, "POST", "calls/c1/forks", map[string]string{"in": "udp://192.0.2.1:1"}).want(t, tc.code)
		if r.errorText(t) != tc.msg {
			t.Errorf("%v: message %q, want %q", tc.err, r.errorText(t), tc.msg)
		}
	}
}

func TestCallRecordings(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	c := e.calls.addCall("c1")
	var id map[string]string
	e.do(me, "POST", "calls/c1/recordings", map[string]string{"format": "stereo"}).want(t, http.StatusCreated).decode(t, &id)
	if id["id"] != "r1" {
		t.Errorf("answer %v", id)
	}
	e.do(me, "POST", "calls/c1/recordings", nil).want(t, http.StatusCreated) // the default: mixed
	var list []call.RecordingInfo
	e.do(me, "GET", "calls/c1/recordings", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 2 || list[0].ID != "r1" || list[0].Format != "stereo" || list[1].Format != "mixed" {
		t.Errorf("recordings = %+v", list)
	}
	e.do(me, "DELETE", "calls/c1/recordings/r1", nil).want(t, http.StatusNoContent)
	e.do(me, "DELETE", "calls/c1/recordings/r1", nil).want(t, http.StatusNotFound)
	e.do(me, "DELETE", "calls/c9/recordings/r2", nil).want(t, http.StatusNotFound)
	e.do(me, "POST", "calls/c9/recordings", nil).want(t, http.StatusNotFound)
	e.do(me, "POST", "calls/c1/recordings", `{"format": "mp3"`).want(t, http.StatusBadRequest)
	for _, tc := range []struct {
		err  error
		code int
	}{
		{&call.Error{Code: call.CodeStorageFull, Op: "record", Err: errors.New("record: storage limit reached")}, http.StatusInsufficientStorage},
		{&call.Error{Code: call.CodeBadRequest, Op: "record", Msg: `format "mp3" (in, mixed, stereo or split)`}, http.StatusBadRequest},
		{&call.Error{Code: call.CodeUnsupported, Op: "record"}, http.StatusNotImplemented},
		{&call.Error{Code: call.CodeEnded, Op: "record"}, http.StatusGone},
		{errors.New("disk on fire"), http.StatusInternalServerError},
	} {
		c.mu.Lock()
		c.failNext = tc.err
		c.mu.Unlock()
		r := e.do(me, "POST", "calls/c1/recordings", map[string]string{"format": "mp3"}).want(t, tc.code)
		if msg := r.errorText(t); msg == "" || strings.Contains(msg, "call: record:") {
			t.Errorf("%v: message %q is not in plain words", tc.err, msg)
		}
	}
}

// TestCallErrorStatuses: every code has its status; the messages are in
// plain words, never the error's own "call: op: code" text.
func TestCallErrorStatuses(t *testing.T) {
	for code, want := range map[call.Code]int{
		call.CodeUnknownCall: 404, call.CodeBadRequest: 400, call.CodeLimit: 409, call.CodeStorageFull: 507,
		call.CodeUnsupported: 501, call.CodeNotOwner: 409, call.CodeNotOffered: 409, call.CodeTaken: 409,
		call.CodeEnded: 410, call.CodeNotUp: 409, call.CodeQueueFull: 429, call.CodeShutdown: 503, call.CodeInternal: 500,
		call.CodeNoRoute: 500,
	} {
		err := callError(fmt.Errorf("wrapped: %w", &call.Error{Code: code, Op: "x", Msg: "detail"}))
		var he *HTTPError
		if !errors.As(err, &he) || he.Code != want {
			t.Errorf("%s: %v, want %d", code, err, want)
			continue
		}
		if strings.Contains(he.Msg, "call: x") || strings.Contains(he.Msg, "wrapped") {
			t.Errorf("%s: message %q is the error's own text", code, he.Msg)
		}
	}
	if he := callError(&call.Error{Code: call.CodeEnded, Msg: "call 1", Err: errors.New("call ended")}).(*HTTPError); he.Msg != "the call has ended" {
		t.Errorf("ended: %q", he.Msg)
	}
}

// TestLiveCallsAdapter: the adapter over a real call manager finds no
// call that is not there, and Accept says so with the call's code.
func TestLiveCallsAdapter(t *testing.T) {
	m := call.NewManager(call.Options{Bus: event.NewBus(nil)})
	t.Cleanup(func() { _ = m.Close() })
	e := newEnv(t, envOpts{calls: LiveCalls(m)})
	me := e.login()
	e.do(me, "GET", "calls", nil).want(t, http.StatusOK)
	e.do(me, "GET", "calls/1700000000.1", nil).want(t, http.StatusNotFound)
	e.do(me, "POST", "calls/1700000000.1/forks", map[string]string{"in": "udp://192.0.2.1:1"}).want(t, http.StatusNotFound)
	r := e.do(me, "POST", "calls/1700000000.1/control", map[string]string{"key": "6501"}).want(t, http.StatusNotFound)
	if !strings.HasPrefix(r.errorText(t), "no such live call") {
		t.Errorf("message %q", r.errorText(t))
	}
	e.do(me, "DELETE", "calls/1700000000.1", nil).want(t, http.StatusNotFound)
}
