// Tests of the calls' steps through the binary: API-control steps taken by a
// controller over the admin API, record steps, prompts by URL.

package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/tone"
)

// controlLease is the answer of POST calls/{id}/control.
type controlLease struct {
	Lease string `json:"lease"`
}

// commandResult is the answer of a command with ?wait=1.
type commandResult struct {
	Status string `json:"status"`
	Digits string `json:"digits"`
	Key    string `json:"key"`
}

// TestAPIControlStep: a call reaches an IVR's API-control step; a test
// controller takes it through the admin API, plays a prompt, collects 123#
// and gives the call back: the IVR carries on at the step's next action
// (6502). Then a controller that takes the call and vanishes: the IVR
// carries on after the lease runs out.
func TestAPIControlStep(t *testing.T) {
	t.Parallel()
	t.Run("given back", func(t *testing.T) {
		t.Parallel()
		b := startBox(t, boxOpts{tones: true, config: mediaConfig("", 10, 0)})
		c := admin(t, b)
		p := newPeer(t, 0)
		r := sipp(t, b, "7200", new(scenario).invite(false).answered(false).awaitBye(30*time.Second), p, "udp")
		p.waitHeard(5*time.Second, "notice")
		p.rfc4733('1')
		line := b.waitLog(5*time.Second, "event.kind=control.offered", "key=abc")
		id := c.liveCall(time.Second)
		if !strings.Contains(line, "event.call="+id) {
			t.Fatalf("offered %q", line)
		}
		var lease controlLease
		c.must("POST", "calls/"+id+"/control", map[string]any{"key": "abc", "ttl_s": 30}, http.StatusCreated, &lease)
		code, _, _ := c.do("POST", "calls/"+id+"/control", map[string]any{"key": "abc"})
		if code != http.StatusConflict {
			t.Errorf("a second controller accepts: %d, want 409", code)
		}
		base := "calls/" + id + "/control/" + lease.Lease
		var res commandResult
		c.must("POST", base+"/commands?wait=1", map[string]any{"kind": "play", "prompts": []string{"password"}}, http.StatusOK, &res)
		if res.Status != "done" {
			t.Errorf("play: %+v", res)
		}
		go func() {
			time.Sleep(300 * time.Millisecond)
			for _, k := range []byte("123#") {
				p.rfc4733(k)
				time.Sleep(60 * time.Millisecond)
			}
		}()
		c.must("POST", base+"/commands?wait=1", map[string]any{"kind": "collect", "max_digits": 8, "finish_keys": "#",
			"first_timeout_ms": 5000}, http.StatusOK, &res)
		if res.Status != "done" || res.Digits != "123" || res.Key != "#" {
			t.Errorf("collect: %+v", res)
		}
		c.must("DELETE", base, nil, http.StatusNoContent, nil)
		p.waitHeard(5*time.Second, "ok")
		r.wait(t)
		got := strings.Join(p.heard(), ",")
		if !strings.HasPrefix(got, "notice,music,password") || !strings.HasSuffix(got, "ok") {
			t.Errorf("heard %s, want notice, hold music, the controller's password, then 6502's ok", got)
		}
		if ended := b.events("control.ended", id); len(ended) != 1 || !strings.Contains(ended[0], "control_reason=released") {
			t.Errorf("control.ended %q", ended)
		}
	})
	t.Run("controller vanishes", func(t *testing.T) {
		t.Parallel()
		b := startBox(t, boxOpts{tones: true, config: mediaConfig("", 10, 0)})
		c := admin(t, b)
		p := newPeer(t, 0)
		r := sipp(t, b, "7200", new(scenario).invite(false).answered(false).awaitBye(30*time.Second), p, "udp")
		p.waitHeard(5*time.Second, "notice")
		p.rfc4733('1')
		b.waitLog(5*time.Second, "event.kind=control.offered")
		id := c.liveCall(time.Second)
		var lease controlLease
		c.must("POST", "calls/"+id+"/control", map[string]any{"key": "abc", "ttl_s": 2}, http.StatusCreated, &lease)
		taken := time.Now()
		line := b.waitLog(6*time.Second, "event.kind=control.ended", "control_reason=lost")
		if since := time.Since(taken); since < 1500*time.Millisecond {
			t.Errorf("control lost after %v, the lease was 2 s (%s)", since, line)
		}
		p.waitHeard(5*time.Second, "ok")
		code, _, _ := c.do("POST", "calls/"+id+"/control/"+lease.Lease+"/commands", map[string]any{"kind": "wait", "duration_ms": 100})
		if code != http.StatusNotFound && code != http.StatusConflict {
			t.Errorf("a command of the lost lease: %d", code)
		}
		r.wait(t)
	})
}

// TestURLPrompts: an IVR's prompts named by http URLs play (fetched once,
// then served from the cache while fresh); a URL that fails is skipped with
// an event and the next prompt plays.
func TestURLPrompts(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	requests := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/media/welcome.wav":
			w.Header().Set("Cache-Control", "max-age=300")
			w.Header().Set("ETag", `"v1"`)
			_, _ = w.Write(tone.WAV(tone.Sine([]float64{toneOf["ok"]}, 600, 0.4)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := fmt.Sprintf(`{"version": %d, "ivrs": [{"number": "7300", "prompts": [%q, %q, "confirm"], "repeat": 1}]}`,
		config.SchemaVersion, srv.URL+"/media/welcome.wav", srv.URL+"/media/missing.wav")
	b := startBox(t, boxOpts{tones: true, config: cfg})
	for range 2 {
		p := newPeer(t, 0)
		r := sipp(t, b, "7300", new(scenario).invite(false).answered(false).awaitBye(15*time.Second), p, "udp")
		r.wait(t)
		if got := strings.Join(p.heard(), ","); got != "ok,confirm" {
			t.Errorf("heard %s, want the URL's prompt (ok) then confirm", got)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if requests["/media/welcome.wav"] != 1 {
		t.Errorf("the fresh URL was fetched %d times, want once", requests["/media/welcome.wav"])
	}
	if skipped := b.events("prompt.skipped", ""); len(skipped) != 2 || !strings.Contains(skipped[0], "missing.wav") {
		t.Errorf("skipped events: %q", skipped)
	}
}

// TestRecordStep: an IVR's record step ("leave a message after the beep"):
// the caller presses 9, hears the beep, speaks (a 1 kHz tone) and ends with
// #; the IVR goes on at the step's next action (6502), and the message, the
// caller's side only, is listed with the call record.
func TestRecordStep(t *testing.T) {
	t.Parallel()
	cfg := fmt.Sprintf(`{"version": %d, "ivrs": [
  {"number": "7400", "prompts": ["notice"], "repeat": 3, "wait": 2,
   "keys": {"9": {"type": "record", "record": {"max_seconds": 20, "beep": true, "finish_keys": "#"},
                  "next": {"type": "ivr", "target": "6502"}}}},
  {"number": "6502", "prompts": ["ok"], "repeat": 1}]}`, config.SchemaVersion)
	b := startBox(t, boxOpts{tones: true, config: cfg})
	c := admin(t, b)
	p := newPeer(t, 0)
	r := sipp(t, b, "7400", new(scenario).invite(false).answered(false).awaitBye(30*time.Second), p, "udp")
	p.waitHeard(5*time.Second, "notice")
	id := c.liveCall(time.Second)
	p.rfc4733('9')
	b.waitLog(5*time.Second, "event.kind=recording.started", "event.call="+id)
	p.loopTone(callerHz)
	time.Sleep(3 * time.Second)
	p.loopTone(0)
	p.rfc4733('#')
	p.waitHeard(5*time.Second, "ok")
	r.wait(t)
	files := c.recordingFiles(id, 1)
	if len(files["in"]) != 1 {
		t.Fatalf("recordings %v, want the message (format in)", files)
	}
	w := readWAV(t, filepath.Join(b.dir, "recordings", files["in"][0]))
	if got := tones(w.channel(0)); w.channels != 1 || got != "1000" {
		t.Errorf("message: %d channels holding %q, want mono 1000 Hz", w.channels, got)
	}
	if d := w.duration(); d < 2500*time.Millisecond || d > 5*time.Second {
		t.Errorf("message lasts %v, the caller spoke about 3 s", d)
	}
	if res := b.events("command.finished", id); !strings.Contains(strings.Join(res, "\n"), "event.command=record event.command_status=done") {
		t.Errorf("no finished record command: %q", res)
	}
}
