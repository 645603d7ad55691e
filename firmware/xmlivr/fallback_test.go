package xmlivr

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// brokenApps are applications that fail in every way the fallback covers.
func brokenApps(t *testing.T) map[string]string {
	ok := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	body := func(b string) string {
		return ok(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(b)) })
	}
	huge := bytes.Repeat([]byte("<Play>a</Play>"), (10<<20)/14)
	return map[string]string{
		"down": down.URL,
		"slow": ok(func(w http.ResponseWriter, r *http.Request) {
			select { // beyond the 1 s timeout: until the box gives up
			case <-r.Context().Done():
			case <-t.Context().Done():
			}
		}),
		"500":          ok(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }),
		"redirect 302": ok(func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "http://x/", 302) }),
		"malformed":    body("<Response><Get><Play>a.wav</Get></Response>"),
		"html":         body("<html>oops</html>"),
		"unknown verb": body("<Response><Dial>13800138000</Dial></Response>"),
		"10 MB": ok(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(huge)+len("<Response></Response>")))
			_, _ = w.Write([]byte("<Response>"))
			_, _ = w.Write(huge)
			_, _ = w.Write([]byte("</Response>"))
		}),
		"10 MB chunked": ok(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("<Response>"))
			w.(http.Flusher).Flush()
			_, _ = w.Write(huge)
		}),
		"entities":  body(`<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Response><Play>&b;</Play></Response>`),
		"xxe":       body(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><Play>&x;</Play></Response>`),
		"redirects": body(`<Response><Redirect>again</Redirect></Response>`),
	}
}

func TestFallbackPrompt(t *testing.T) {
	bus := event.NewBus(nil)
	sub := bus.Subscribe(64)
	defer sub.Close()
	e := newTestEngine(t, nil, bus)
	for name, url := range brokenApps(t) {
		t.Run(name, func(t *testing.T) {
			c := newFakeCall("f-" + name)
			start := time.Now()
			run(t, e, c, config.XMLApp{URL: url, FallbackPrompt: "sorry.wav", TimeoutSeconds: 1})
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("fallback after %v", d)
			}
			equal(t, "ops", c.Ops(), []string{"play sorry.wav", "hangup normal"})
			for _, kind := range []event.Kind{EventStarted, EventFallback} {
				select {
				case ev := <-sub.C():
					if ev.Kind != kind || ev.CallID != c.ID() || ev.IVR != "6510" || (kind == EventFallback && ev.Cause == "") {
						t.Errorf("event %+v, want %s", ev, kind)
					}
				default:
					t.Errorf("no %s event", kind)
				}
			}
		})
	}
}

func TestFallbackURL(t *testing.T) {
	good := newScriptApp(t, map[string]string{"/fb": `<Response><Play>fb.wav</Play><Hangup/></Response>`})
	e := newTestEngine(t, nil, nil)
	for name, url := range brokenApps(t) {
		if name == "redirects" {
			continue // the application answered: the fallback URL is not tried
		}
		t.Run(name, func(t *testing.T) {
			c := newFakeCall("u-" + name)
			run(t, e, c, config.XMLApp{URL: url, FallbackURL: good.URL() + "/fb", FallbackPrompt: "sorry.wav", TimeoutSeconds: 1})
			equal(t, "ops", c.Ops(), []string{"play fb.wav barge", "hangup normal"})
		})
	}
	// A fallback URL that fails too: the prompt and a hang-up.
	apps := brokenApps(t)
	c := newFakeCall("both")
	run(t, e, c, config.XMLApp{URL: apps["500"], FallbackURL: apps["malformed"], FallbackPrompt: "sorry.wav"})
	equal(t, "ops", c.Ops(), []string{"play sorry.wav", "hangup normal"})
	// No fallback prompt: a hang-up.
	c = newFakeCall("noprompt")
	run(t, e, c, config.XMLApp{URL: apps["500"]})
	equal(t, "ops", c.Ops(), []string{"hangup normal"})
}

// A failure in the middle of a call (the digits' action answers 500) runs
// the fallback too.
func TestFallbackMidCall(t *testing.T) {
	srv := newScriptApp(t, map[string]string{"/": `<Response><Get action="gone" numdigits="1"><Play>menu.wav</Play></Get></Response>`})
	e := newTestEngine(t, nil, nil)
	c := newFakeCall("mid", "5")
	run(t, e, c, config.XMLApp{URL: srv.URL(), FallbackPrompt: "sorry.wav"})
	equal(t, "ops", c.Ops(), []string{"collect menu.wav max=1 finish=# timeout=20s", "play sorry.wav", "hangup normal"})
	e.Close()
	equal(t, "notices", srv.Seen(), []string{"/ startservice", "/gone dtmfreport digits=5", "/ stopservice digits=5 bye=fallback"})
}

// One slow application does not delay another call: call A's application
// holds its answer until call B has run to its end.
func TestSlowAppOtherCalls(t *testing.T) {
	release := make(chan struct{})
	var held atomic.Bool
	slow := newScriptApp(t, map[string]string{"/": `<Response><Hangup/></Response>`})
	slow.handle = func(w http.ResponseWriter, r *http.Request, n seenNotice) {
		if n.Notice.Action == ActStart {
			held.Store(true)
			<-release
		}
		_, _ = w.Write([]byte(`<Response><Hangup/></Response>`))
	}
	fast := newScriptApp(t, map[string]string{"/": `<Response><Play>hi.wav</Play><Hangup/></Response>`})
	e := newTestEngine(t, nil, nil)
	a, b := newFakeCall("A"), newFakeCall("B")
	aDone := make(chan error, 1)
	go func() { aDone <- e.Run(t.Context(), a, Spec{IVR: "6510", App: config.XMLApp{URL: slow.URL()}}) }()
	slow.waitPath(t, "/")
	run(t, e, b, config.XMLApp{URL: fast.URL()})
	equal(t, "B ops", b.Ops(), []string{"play hi.wav barge", "hangup normal"})
	if !held.Load() || len(a.Ops()) != 0 {
		t.Errorf("A was not held: %v %q", held.Load(), a.Ops())
	}
	close(release)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	equal(t, "A ops", a.Ops(), []string{"hangup normal"})
}

// The hang-up notice is retried (up to Retries times) when the
// application fails; the call-flow notices are not.
func TestStopRetried(t *testing.T) {
	var stops atomic.Int32
	srv := newScriptApp(t, nil)
	srv.handle = func(w http.ResponseWriter, r *http.Request, n seenNotice) {
		if n.Notice.Action == ActStop && stops.Add(1) < 3 {
			http.Error(w, "busy", 503)
			return
		}
		_, _ = w.Write([]byte(`<Response><Hangup/></Response>`))
	}
	e := newTestEngine(t, nil, nil)
	run(t, e, newFakeCall("r"), config.XMLApp{URL: srv.URL()})
	e.wg.Wait() // the retries, before Close stops them
	if n := stops.Load(); n != 3 {
		t.Errorf("stopservice tried %d times, want 3", n)
	}
	// Never more than Retries.
	stops.Store(-100)
	e2 := newTestEngine(t, nil, nil)
	run(t, e2, newFakeCall("r2"), config.XMLApp{URL: srv.URL()})
	e2.wg.Wait()
	if n := stops.Load(); n != -100+DefaultRetries {
		t.Errorf("stopservice tried %d times, want %d", n+100, DefaultRetries)
	}
}
