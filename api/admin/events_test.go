package admin

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/cdr"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// sseClient is an open event stream.
type sseClient struct {
	res  *http.Response
	rd   *bufio.Reader
	stop context.CancelFunc
}

// openEvents opens GET events and waits for the stream's opening comment.
func openEvents(t *testing.T, e *env, who as, lastID string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+Prefix+"events", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: who.cookie})
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c := &sseClient{res: res, rd: bufio.NewReader(res.Body), stop: cancel}
	t.Cleanup(func() { cancel(); res.Body.Close() })
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return c
}

// next reads one message (lines up to a blank line), skipping comments.
func (c *sseClient) next(t *testing.T) map[string]string {
	t.Helper()
	type result struct {
		msg map[string]string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		msg := map[string]string{}
		for {
			line, err := c.rd.ReadString('\n')
			if err != nil {
				ch <- result{nil, err}
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "" && len(msg) > 0:
				ch <- result{msg, nil}
				return
			case line == "" || strings.HasPrefix(line, ":"):
			default:
				k, v, _ := strings.Cut(line, ": ")
				msg[k] = v
			}
		}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("stream ended: %v", r.err)
		}
		return r.msg
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return nil
}

func TestEventStream(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	c := openEvents(t, e, me, "")
	sent := e.bus.Publish(event.Event{Kind: event.CallStarted, CallID: "c1", Call: &event.Call{From: "1000", To: "6500"}})
	e.bus.Publish(event.Event{Kind: event.DTMFDigit, CallID: "c1", Digit: "5", Flag: 0, Source: "rfc4733"})
	msg := c.next(t)
	if msg["event"] != "call.started" || msg["id"] != fmt.Sprint(sent.Seq) {
		t.Fatalf("first message %v", msg)
	}
	var got event.Event
	if err := json.Unmarshal([]byte(msg["data"]), &got); err != nil {
		t.Fatal(err)
	}
	if got.CallID != "c1" || got.Call == nil || got.Call.From != "1000" || got.Seq != sent.Seq || !got.Time.Equal(sent.Time) {
		t.Errorf("data %+v, want %+v", got, sent)
	}
	if msg := c.next(t); msg["event"] != "dtmf.digit" || !strings.Contains(msg["data"], `"digit":"5"`) {
		t.Errorf("second message %v", msg)
	}

	// Reconnecting with Last-Event-ID replays what was missed.
	c2 := openEvents(t, e, me, fmt.Sprint(sent.Seq))
	if msg := c2.next(t); msg["event"] != "dtmf.digit" {
		t.Errorf("replayed %v", msg)
	}

	// Close ends every stream.
	done := make(chan struct{})
	go func() { e.api.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the streams")
	}
	if _, err := c.rd.ReadString('\n'); err == nil {
		if _, err := c.rd.ReadString('\n'); err == nil {
			t.Error("stream still open after Close")
		}
	}
	e.api.Close() // idempotent
	e.do(me, "GET", "events", nil).want(t, http.StatusServiceUnavailable)
}

func TestEventStreamEndsWithClient(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	c := openEvents(t, e, me, "")
	c.stop()
	deadline := time.Now().Add(10 * time.Second)
	for e.bus.Publish(event.Event{Kind: event.CallStarted}); ; e.bus.Publish(event.Event{Kind: event.CallStarted}) {
		done := make(chan struct{})
		go func() { e.api.streams.Wait(); close(done) }()
		select {
		case <-done:
			return
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("stream handler still running after the client left")
		}
	}
}

func TestRecentEvents(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	for n := range ringSize + 20 {
		e.bus.Publish(event.Event{Kind: event.DTMFDigit, CallID: "c", Flag: n})
	}
	var got []event.Event
	e.do(me, "GET", "events/recent?limit=3", nil).want(t, http.StatusOK).decode(t, &got)
	if len(got) != 3 || got[0].Flag != ringSize+17 || got[2].Flag != ringSize+19 {
		t.Errorf("recent = %+v", got)
	}
	e.do(me, "GET", "events/recent", nil).want(t, http.StatusOK).decode(t, &got)
	if len(got) != 100 {
		t.Errorf("%d by default, want 100", len(got))
	}
	e.do(me, "GET", "events/recent?limit=500", nil).want(t, http.StatusOK).decode(t, &got)
	if len(got) != ringSize || got[0].Flag != 20 {
		t.Errorf("%d events, first flag %d", len(got), got[0].Flag)
	}
	for _, bad := range []string{"0", "501", "x", "-1"} {
		e.do(me, "GET", "events/recent?limit="+bad, nil).want(t, http.StatusBadRequest)
	}
}

func TestRingBeforeFull(t *testing.T) {
	r := newRing(4)
	if got := r.last(10, 0); len(got) != 0 {
		t.Errorf("empty ring gave %v", got)
	}
	for n := uint64(1); n <= 3; n++ {
		r.add(event.Event{Seq: n})
	}
	if got := r.last(10, 1); len(got) != 2 || got[0].Seq != 2 || got[1].Seq != 3 {
		t.Errorf("last = %+v", got)
	}
}

func TestRecordsAfterCall(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for _, ev := range []event.Event{
		{Kind: event.CallStarted, CallID: "c1", Call: &event.Call{From: "1000", To: "6500"}, Time: at(0)},
		{Kind: event.CallAnswered, CallID: "c1", Time: at(1)},
		{Kind: event.IVREntered, CallID: "c1", IVR: "6500", Time: at(1)},
		{Kind: event.DTMFDigit, CallID: "c1", Digit: "1", Time: at(3)},
		{Kind: event.IVREntered, CallID: "c1", IVR: "6501", Time: at(3)},
		{Kind: event.DTMFDigit, CallID: "c1", Digit: "#", Time: at(5)},
		{Kind: event.CallEnded, CallID: "c1", Call: &event.Call{From: "1000", To: "6500"}, Cause: "normal", Time: at(9)},
	} {
		e.bus.Publish(ev)
	}
	var recs []map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for len(recs) == 0 && time.Now().Before(deadline) {
		e.do(me, "GET", "records", nil).want(t, http.StatusOK).decode(t, &recs)
		time.Sleep(10 * time.Millisecond)
	}
	if len(recs) != 1 {
		t.Fatalf("records = %v", recs)
	}
	want := map[string]any{"id": "c1", "from": "1000", "to": "6500", "started": "2025-03-01T09:00:00Z",
		"answered": "2025-03-01T09:00:01Z", "ended": "2025-03-01T09:00:09Z", "duration_s": 9.0, "cause": "normal",
		"ivrs": []any{"6500", "6501"}, "digits": "1#", "refused": false}
	if fmt.Sprint(recs[0]) != fmt.Sprint(want) {
		t.Errorf("record %v\nwant   %v", recs[0], want)
	}
	e.do(me, "GET", "records?before=2025-03-01T09:00:00Z", nil).want(t, http.StatusOK).decode(t, &recs)
	if len(recs) != 0 {
		t.Errorf("before filter: %v", recs)
	}
	e.do(me, "GET", "records?before=yesterday", nil).want(t, http.StatusBadRequest)
	e.do(me, "GET", "records?limit=1001", nil).want(t, http.StatusBadRequest)
	_ = cdr.MaxList
}

func TestLiveCalls(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	now := time.Now().UTC().Truncate(time.Second)
	e.calls.live = []call.Info{
		{ID: "b@host", From: "1001", To: "6501", Codec: "PCMA", Started: now.Add(time.Second), Source: "127.0.0.1:5062"},
		{ID: "a/1@host", From: "1000", To: "6500", Codec: "PCMU", Started: now, Answered: now, Source: "127.0.0.1:5061"},
	}
	var got []map[string]any
	e.do(me, "GET", "calls", nil).want(t, http.StatusOK).decode(t, &got)
	if len(got) != 2 || got[0]["id"] != "a/1@host" || got[0]["codec"] != "PCMU" || got[1]["answered"] != nil {
		t.Errorf("calls = %v", got)
	}
	var st statusJSON
	e.do(me, "GET", "status", nil).want(t, http.StatusOK).decode(t, &st)
	if st.Calls != 2 {
		t.Errorf("status calls = %d", st.Calls)
	}
	e.do(me, "DELETE", "calls/a%2F1@host", nil).want(t, http.StatusNoContent)
	e.do(me, "DELETE", "calls/a/1@host", nil).want(t, http.StatusNotFound)
	if len(e.calls.hungUp) != 1 || e.calls.hungUp[0] != "a/1@host:admin" {
		t.Errorf("hung up %v", e.calls.hungUp)
	}
}

func TestEventStreamLimit(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	for range maxStreams {
		openEvents(t, e, me, "")
	}
	r := e.do(me, "GET", "events", nil).want(t, http.StatusServiceUnavailable)
	if !strings.Contains(r.errorText(t), "too many event streams") {
		t.Errorf("message %q", r.errorText(t))
	}
}
