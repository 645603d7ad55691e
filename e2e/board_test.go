package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// halState is GET hal.
type halState struct {
	LEDs []struct {
		Name    string `json:"name"`
		On      bool   `json:"on"`
		Pattern string `json:"pattern"`
	} `json:"leds"`
	Buttons []struct {
		Name string `json:"name"`
	} `json:"buttons"`
}

// admin sets the admin password on a fresh box and returns a client with a
// bearer token.
func admin(t *testing.T, b *box) *adminClient {
	t.Helper()
	web := &adminClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d/api/admin/", b.httpPort)}
	h := web.must("POST", "setup", map[string]string{"password": "board test password"}, http.StatusOK, nil)
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "ivrbox_session" {
			web.cookie = c.Value
		}
	}
	var tok struct {
		Token string `json:"token"`
	}
	web.must("POST", "tokens", map[string]string{"name": "board"}, http.StatusCreated, &tok)
	return &adminClient{t: t, base: web.base, token: tok.Token}
}

// patterns lists the LEDs' patterns, e.g. "status=heartbeat".
func (c *adminClient) patterns() []string {
	var h halState
	c.must("GET", "hal", nil, http.StatusOK, &h)
	var out []string
	for _, l := range h.LEDs {
		out = append(out, l.Name+"="+l.Pattern)
	}
	return out
}

// waitPattern waits until some LED shows (want true) or no LED shows
// (want false) pattern.
func (c *adminClient) waitPattern(pattern string, want bool, d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		got := strings.Contains(strings.Join(c.patterns(), " ")+" ", "="+pattern+" ")
		if got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("LEDs %v: want pattern %q shown=%v", c.patterns(), pattern, want)
}

func (c *adminClient) button() string {
	var h halState
	c.must("GET", "hal", nil, http.StatusOK, &h)
	if len(h.Buttons) == 0 {
		c.t.Fatal("the sim board has no button")
	}
	return h.Buttons[0].Name
}

// TestBoardCallLED: on the sim board an incoming call turns the call LED
// pattern (heartbeat) on, and its end turns it off again.
func TestBoardCallLED(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	c := admin(t, b)
	c.waitPattern("heartbeat", false, 5*time.Second)
	p := newPeer(t, 0)
	r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(2*time.Second).bye(), p, "udp")
	c.waitPattern("heartbeat", true, 5*time.Second)
	r.wait(t)
	c.waitPattern("heartbeat", false, 5*time.Second)
}

// TestBoardLongPressFactoryReset: holding the button 10 s (pressed through
// the admin API on the sim board) resets to factory settings: the old
// config and admin password are gone, the serial and the data directory stay.
func TestBoardLongPressFactoryReset(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{config: `{"version": 2, "system": {"name": "before-reset"},
 "ivrs": [{"number": "7100", "prompts": ["ok"], "timeout": {"type": "hangup"}}]}`})
	c := admin(t, b)
	var sys struct {
		Name string `json:"name"`
		SN   string `json:"sn"`
	}
	c.must("GET", "system", nil, http.StatusOK, &sys)
	if sys.Name != "before-reset" || sys.SN == "" {
		t.Fatalf("system before reset: %+v", sys)
	}
	sn := sys.SN
	c.must("POST", "hal/buttons/"+c.button()+"/press", map[string]int{"ms": 10500}, http.StatusNoContent, nil)
	c.waitPattern("fast-blink", true, 5*time.Second) // the warning while held
	b.waitLog(20*time.Second, "factory reset")
	// After the in-process restart the box is back at first run.
	var session struct {
		SetupNeeded bool `json:"setup_needed"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for !session.SetupNeeded && time.Now().Before(deadline) {
		// The HTTP port is closed for a moment while the box restarts.
		if res, err := http.Get(c.base + "session"); err == nil {
			if res.StatusCode == http.StatusOK {
				_ = json.NewDecoder(res.Body).Decode(&session)
			}
			res.Body.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !session.SetupNeeded {
		t.Fatal("box not back at first run after the long press")
	}
	c = admin(t, b)
	c.must("GET", "system", nil, http.StatusOK, &sys)
	if sys.Name != "ivrbox" || sys.SN != sn {
		t.Fatalf("system after reset: %+v (serial before %s)", sys, sn)
	}
	var ivrs []struct {
		Number string `json:"number"`
	}
	c.must("GET", "ivrs", nil, http.StatusOK, &ivrs)
	var numbers []string
	for _, i := range ivrs {
		numbers = append(numbers, i.Number)
	}
	if strings.Join(numbers, ",") != "6500,6501,6502,6503" {
		t.Fatalf("IVRs after reset: %v", numbers)
	}
	for _, f := range []string{"ivrbox.db", "prompts"} {
		if _, err := os.Stat(filepath.Join(b.dir, f)); err != nil {
			t.Errorf("data directory lost %s: %v", f, err)
		}
	}
	// and the box still answers calls
	p := newPeer(t, 0)
	sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "udp").wait(t)
}

// TestServiceNumberAfterShortPress: the service number is not answered until
// a short press; then a call to it hears the announcement and is hung up.
func TestServiceNumberAfterShortPress(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	c := admin(t, b)
	refused := new(scenario).invite(false).refused(404)
	sipp(t, b, "6599", refused, nil, "udp").wait(t)
	c.must("POST", "hal/buttons/"+c.button()+"/press", map[string]int{"ms": 200}, http.StatusNoContent, nil)
	b.waitLog(5*time.Second, "button: status") // the short-press report
	b.waitLog(5*time.Second, "service number armed", "number=6599")
	p := newPeer(t, 0)
	sipp(t, b, "6599", new(scenario).invite(false).answered(false).awaitBye(30*time.Second), p, "udp").wait(t)
	p.mu.Lock()
	loud := 0
	for _, f := range p.frames {
		if energy(f.pcm[:]) > 1e5 {
			loud++
		}
	}
	p.mu.Unlock()
	if loud < 50 { // "the IP address is", the digits, the state: seconds of speech
		t.Fatalf("only %d loud frames in the announcement", loud)
	}
}
