package e2e

import (
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashXMLIVR is the XML IVR of TestCrashJournalApps.
const crashXMLIVR = "6701"

// TestCrashJournalApps: the box is SIGKILLed while a cloud application
// steers one call and an XML application another; at the next start the
// cloud application gets the call's IvrEndedEvent with cause
// BOX_RESTARTED and the XML application its stopservice with byetype
// restarted, the notices each gets at a normal end.
func TestCrashJournalApps(t *testing.T) {
	t.Parallel()
	cloudApp := newCloudApp(t)
	xmlApp := newNoticeApp(t)
	cb := startCloudBox(t, cloudConfig(`{"first_command": 60, "idle": 60}`))
	cb.subscribe(cloudApp.url())
	cb.adm.must("POST", "ivrs", map[string]any{"number": crashXMLIVR, "prompts": []string{}, "control": "xml",
		"app": map[string]any{"url": xmlApp.url, "timeout": 5}}, http.StatusCreated, nil)

	dialBox(t, cb.box, cloudIVR, cloudCaller, newPeer(t, 0))
	started := cloudApp.waitEvent(15*time.Second, "", "IvrStartedEvent")
	dialBox(t, cb.box, crashXMLIVR, "1001", newPeer(t, 0))
	start := xmlApp.wait(t, 15*time.Second, "startservice", "")
	cb.waitLog(5*time.Second, "journal written", "live=2", "apps=2")
	if err := cb.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-cb.exited
	_ = cb.cmd.Wait()

	b2 := startBox(t, boxOpts{dir: cb.dir, ports: cb.box})
	b2.waitLog(5*time.Second, "call lost in a crash closed", "app=cloud")
	ended := cloudApp.waitEvent(20*time.Second, started.str("callId"), "IvrEndedEvent")
	checkEnded(t, ended, started, "BOX_RESTARTED")
	stop := xmlApp.wait(t, 20*time.Second, "stopservice", start.CallSid)
	if stop.ByeType != "restarted" || stop.IVR != crashXMLIVR || stop.Caller != "1001" || stop.Called != crashXMLIVR {
		t.Errorf("stopservice after the restart: %+v, want byetype restarted, ivr, caller and called of the call", stop)
	}
}

// crashNotice is a notice as noticeApp reads it.
type crashNotice struct {
	Action  string `xml:"action"`
	CallSid string `xml:"callSid"`
	Caller  string `xml:"caller"`
	Called  string `xml:"called"`
	IVR     string `xml:"ivr"`
	ByeType string `xml:"byetype"`
}

// noticeApp is an XML application that keeps its callers listening to
// long.wav and keeps every notice it gets.
type noticeApp struct {
	url     string
	mu      sync.Mutex
	notices []crashNotice
	changed chan struct{}
}

func newNoticeApp(t *testing.T) *noticeApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &noticeApp{url: "http://" + ln.Addr().String() + "/ivr", changed: make(chan struct{})}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(a.serve)}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return a
}

func (a *noticeApp) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var n crashNotice
	if xml.Unmarshal(body, &n) != nil {
		http.Error(w, "bad notice", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	a.notices = append(a.notices, n)
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, "<Response>"+strings.Repeat("<Play>long.wav</Play>", 6)+"</Response>")
}

// wait returns the first notice with action (of call sid, unless "").
func (a *noticeApp) wait(t *testing.T, d time.Duration, action, sid string) crashNotice {
	t.Helper()
	deadline := time.After(d)
	for {
		a.mu.Lock()
		for _, n := range a.notices {
			if n.Action == action && (sid == "" || n.CallSid == sid) {
				a.mu.Unlock()
				return n
			}
		}
		ch, got := a.changed, a.notices
		a.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("xml app: no %s notice within %v; got %+v", action, d, got)
		}
	}
}
