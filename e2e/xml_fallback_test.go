package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/tone"
)

// The failing applications' tones, multiples of 50 Hz apart from the
// guide's.
const (
	fallbackHz = 700 // the IVRs' fallback prompt
	fbAppHz    = 850 // what the fallback URL's application plays
)

// badApp is one way an XML application fails.
type badApp struct {
	name   string
	ivr    string
	answer http.HandlerFunc // nil: nothing listens (a closed port)
}

// xmlBody answers body as an XML application does.
func xmlBody(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, body)
	}
}

// bigBody answers a <Response> of about 10 MB: with its Content-Length, or
// streamed (chunked) when chunked is set.
func bigBody(chunked bool) http.HandlerFunc {
	const size = 10 << 20
	return func(w http.ResponseWriter, r *http.Request) {
		head, tail := "<Response><Play>", "</Play></Response>"
		w.Header().Set("Content-Type", "application/xml")
		if !chunked {
			w.Header().Set("Content-Length", fmt.Sprint(size))
		}
		_, _ = io.WriteString(w, head)
		chunk := []byte(strings.Repeat("a;", 32<<10))
		for n := len(head) + len(tail); n < size; n += len(chunk) {
			if n+len(chunk) > size {
				chunk = chunk[:size-n]
			}
			if _, err := w.Write(chunk); err != nil {
				return // the box stopped reading
			}
		}
		_, _ = io.WriteString(w, tail)
	}
}

// badApps are the failures: down, slow (beyond a 1 s timeout), 500,
// malformed XML, an unknown verb, 10 MB bodies, entity tricks.
func badApps() []badApp {
	return []badApp{
		{name: "down", ivr: "6601"},
		{name: "500", ivr: "6603", answer: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}},
		{name: "malformed", ivr: "6604", answer: xmlBody(`<Response><Get action='x'><Play>confmenu.wav</Get></Response>`)},
		{name: "unknown verb", ivr: "6605", answer: xmlBody(`<Response><Dial>13800138000</Dial><Play>confmenu.wav</Play></Response>`)},
		{name: "10 MB", ivr: "6606", answer: bigBody(false)},
		{name: "10 MB chunked", ivr: "6607", answer: bigBody(true)},
		{name: "billion laughs", ivr: "6608", answer: xmlBody(`<?xml version="1.0"?>
<!DOCTYPE Response [<!ENTITY a "confmenu.wav;"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<Response><Play>&d;</Play></Response>`)},
		{name: "external entity", ivr: "6609", answer: xmlBody(`<?xml version="1.0"?>
<!DOCTYPE Response [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><Play>&x;</Play></Response>`)},
		// Last, so the guide's call below comes while it still waits.
		{name: "slow", ivr: "6602", answer: func(w http.ResponseWriter, r *http.Request) {
			select { // 3 s, or until the box gives up and closes
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
			xmlBody(seedMenu)(w, r)
		}},
	}
}

// serveApp serves h on loopback and returns its /ivr URL and a count of
// the requests it got.
func serveApp(t *testing.T, h http.HandlerFunc) (url string, hits func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		h(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/ivr", func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// closedURL is an application URL on a port nothing listens on (on a
// loopback address no other test uses, so no other test's server takes
// the port meanwhile).
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.66:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/ivr"
	ln.Close()
	return url
}

// toneStart returns when p first heard freq as the dominant one of freqs
// for at least 4 frames in a row (the zero time if it did not).
func toneStart(p *peer, freq float64, freqs []float64) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	run := 0
	for i, f := range p.frames {
		if fr, ratio := tone.Dominant(f.pcm[:], freqs); energy(f.pcm[:]) > 1e5 && ratio > 0.5 && fr == freq {
			if run++; run == 4 {
				return p.frames[i-3].at
			}
			continue
		}
		run = 0
	}
	return time.Time{}
}

// waitToneStart waits up to d until p heard freq (toneStart).
func waitToneStart(t *testing.T, p *peer, freq float64, freqs []float64, d time.Duration, what string) time.Time {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if at := toneStart(p, freq, freqs); !at.IsZero() {
			return at
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %.0f Hz not heard within %v", what, freq, d)
		}
		p.waitFrames(5)
	}
}

// TestXMLAppFailures: IVRs whose application is down, slow (beyond the
// IVR's 1 s timeout), answers 500, malformed XML, an unknown verb, 10 MB
// (with a Content-Length, and chunked), a billion-laughs DTD or an external
// entity: each call, all at once, hears the fallback prompt, is hung up by
// the box and gets an xml.fallback event; meanwhile a call to the working
// guide IVR hears its menu at once. An IVR whose application is down but
// has a fallback URL runs the fallback application's answer instead.
func TestXMLAppFailures(t *testing.T) {
	t.Parallel()
	guide := newGuideApp(t)
	prompts := guidePrompts()
	prompts["fallback.wav"] = tone.WAV(tone.Sine([]float64{fallbackHz}, 600, 0.4))
	prompts["fbapp.wav"] = tone.WAV(tone.Sine([]float64{fbAppHz}, 600, 0.4))
	b := startBox(t, boxOpts{prompts: prompts})
	adm := admin(t, b)
	adm.must("POST", "ivrs", map[string]any{"number": guideIVR, "prompts": []string{}, "control": "xml",
		"app": map[string]any{"url": guide.url, "timeout": 5}}, http.StatusCreated, nil)
	apps := badApps()
	hits := make([]func() int, len(apps))
	for i, a := range apps {
		url := closedURL(t)
		if a.answer != nil {
			url, hits[i] = serveApp(t, a.answer)
		}
		adm.must("POST", "ivrs", map[string]any{"number": a.ivr, "prompts": []string{}, "control": "xml",
			"app": map[string]any{"url": url, "timeout": 1, "fallback_prompt": "fallback"}}, http.StatusCreated, nil)
	}
	fbURL, fbHits := serveApp(t, xmlBody(`<Response><Play>fbapp.wav</Play><Hangup/></Response>`))
	adm.must("POST", "ivrs", map[string]any{"number": "6610", "prompts": []string{}, "control": "xml",
		"app": map[string]any{"url": closedURL(t), "fallback_url": fbURL, "timeout": 1, "fallback_prompt": "fallback"}},
		http.StatusCreated, nil)

	freqs := append(guideFreqs(), fallbackHz, fbAppHz)
	type failing struct {
		c  *sipCaller
		p  *peer
		at time.Time
	}
	calls := make([]failing, len(apps))
	for i, a := range apps {
		p := newPeer(t, 0)
		calls[i] = failing{p: p, at: time.Now(), c: dialBox(t, b, a.ivr, fmt.Sprintf("55506%02d", i), p)}
	}
	fb := newPeer(t, 0)
	fbCall := dialBox(t, b, "6610", "5550699", fb)

	// While they fail (the slow one still waits), the guide answers at once.
	g := dialGuide(t, b, guide, "5550600")
	menu := waitToneStart(t, g.p, guideTones["confmenu"], freqs, time.Second, "the guide")
	t.Logf("the guide's menu began %v after its call", menu.Sub(g.at).Round(time.Millisecond))
	if d := menu.Sub(g.at); d > 1500*time.Millisecond {
		t.Errorf("the guide's menu began %v after the call, with failing applications around", d)
	}
	slow := calls[len(calls)-1]
	if at := toneStart(slow.p, fallbackHz, freqs); !at.IsZero() && at.Before(menu) {
		t.Errorf("the slow application's call had its fallback before the guide's menu: not at the same time")
	}
	g.keys("2")
	g.ear.waitFor(t, g.at, 5*time.Second, "confmenu", "confjoin")

	for i, a := range apps {
		f := calls[i]
		heard := waitToneStart(t, f.p, fallbackHz, freqs, 10*time.Second, a.name)
		f.c.waitBye(10 * time.Second)
		wait := heard.Sub(f.at)
		t.Logf("%s: the fallback prompt after %v", a.name, wait.Round(time.Millisecond))
		if a.name == "slow" && wait < 900*time.Millisecond {
			t.Errorf("slow: the fallback after %v, before the 1 s timeout", wait)
		}
		if wait > 3*time.Second {
			t.Errorf("%s: the fallback after %v", a.name, wait)
		}
		if hits[i] != nil && hits[i]() == 0 {
			t.Errorf("%s: the application got no request", a.name)
		}
		if evs := b.events("xml.fallback", f.c.callID); len(evs) != 1 {
			t.Errorf("%s: xml.fallback events %q, want one", a.name, evs)
		}
		if at := toneStart(f.p, guideTones["confmenu"], freqs); !at.IsZero() {
			t.Errorf("%s: the caller heard the bad answer's confmenu", a.name)
		}
	}

	waitToneStart(t, fb, fbAppHz, freqs, 5*time.Second, "the fallback URL's answer")
	fbCall.waitBye(10 * time.Second)
	if at := toneStart(fb, fallbackHz, freqs); !at.IsZero() {
		t.Errorf("the fallback URL answered, yet the caller heard the fallback prompt")
	}
	if n := fbHits(); n < 1 {
		t.Errorf("the fallback URL got %d requests, want the startservice", n)
	}
	if evs := b.events("xml.fallback", fbCall.callID); len(evs) != 0 {
		t.Errorf("the fallback URL answered, yet xml.fallback: %q", evs)
	}

	// The guide's call went on throughout.
	select {
	case <-g.c.bye:
		t.Fatalf("the guide's call was hung up")
	default:
	}
	g.c.hangup()
	guide.wait(10*time.Second, "the guide's stopservice", func(n notice) bool { return n.CallSid == g.sid && n.Action == "stopservice" })
}
