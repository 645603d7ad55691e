package xmlivr

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// TestRestarted: the stopservice of a call a crash cut off has byetype
// restarted and the call's ids, is retried like any stopservice, and Close
// stops its retries.
func TestRestarted(t *testing.T) {
	var fails atomic.Int32
	srv := newScriptApp(t, nil)
	srv.handle = func(w http.ResponseWriter, r *http.Request, n seenNotice) {
		if fails.Add(1) < 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}
	e := newTestEngine(t, nil, nil)
	e.Restarted(Spec{IVR: "6510", App: config.XMLApp{URL: srv.URL()}, Direction: event.Outbound},
		Lost{CallSid: "1700000000.7", Caller: "6510", Called: "10086"})
	e.wg.Wait()
	got := srv.notices()
	if len(got) != 2 {
		t.Fatalf("%d notices, want 2 (one retry): %+v", len(got), got)
	}
	n := got[1].Notice
	if n.Action != ActStop || n.CallSid != "1700000000.7" || n.Caller != "6510" || n.Called != "10086" ||
		n.Type != "1" || n.IVR != "6510" || n.ByeType != ByeRestarted {
		t.Errorf("notice %+v", n)
	}

	// An application that never answers: Close ends the retries at once.
	e2 := New(Options{RetryWait: time.Hour, Retries: 5})
	down := newScriptApp(t, nil)
	down.handle = func(w http.ResponseWriter, r *http.Request, n seenNotice) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}
	e2.Restarted(Spec{IVR: "6510", App: config.XMLApp{URL: down.URL()}}, Lost{CallSid: "x"})
	down.waitPath(t, "/")
	done := make(chan struct{})
	go func() { _ = e2.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the retries")
	}
}
