package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/tone"
)

// The XML guide's IVR and the tones of its prompts, none a DTMF frequency
// and none a member's.
const (
	guideIVR     = "6595"
	memberAHz    = 1000 // what caller A says in the room
	memberBHz    = 1400 // what caller B says
	guideGapMS   = 100  // the silence after each digit prompt, so "00" is two digits
	guideDigitMS = 200
)

var guideTones = map[string]float64{
	"confmenu": 400, "confjoin": 500, "confjoinfail": 600, "timeout": 1100, "timeoutbye": 1800, "createconf": 2300,
}

// digitHz is the tone of digit prompt d ("digits/d" replaces the built-in
// voice, so the caller's ear can read the number back).
func digitHz(d int) float64 { return 2450 + 150*float64(d) }

// guideFreqs are every tone a guide caller's frame is told by.
func guideFreqs() []float64 {
	out := []float64{memberAHz, memberBHz}
	for _, f := range guideTones {
		out = append(out, f)
	}
	for d := range 10 {
		out = append(out, digitHz(d))
	}
	return out
}

// guidePrompts are the guide's prompt files.
func guidePrompts() map[string][]byte {
	m := map[string][]byte{}
	for name, f := range guideTones {
		m[name+".wav"] = tone.WAV(tone.Sine([]float64{f}, 500, 0.4))
	}
	return m
}

// writeDigitPrompts puts the digit tones in place of the built-in digits,
// as prompts/digits/0.wav … 9.wav.
func writeDigitPrompts(t *testing.T, dir string) {
	if err := os.MkdirAll(filepath.Join(dir, "prompts", "digits"), 0o755); err != nil {
		t.Fatal(err)
	}
	for d := range 10 {
		pcm := append(tone.Sine([]float64{digitHz(d)}, guideDigitMS, 0.4), make([]int16, 8*guideGapMS)...)
		if err := os.WriteFile(filepath.Join(dir, "prompts", "digits", fmt.Sprintf("%d.wav", d)), tone.WAV(pcm), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// guideEar tells what a guide caller heard: each 20 ms frame by its
// dominant tone, runs of at least 4 frames, repeats collapsed unless
// silence came between.
type guideEar struct{ p *peer }

// since returns the tones heard since t, as names ("confmenu", "7",
// "1400Hz").
func (e guideEar) since(t time.Time) []string {
	e.p.mu.Lock()
	frames := append([]frame(nil), e.p.frames...)
	e.p.mu.Unlock()
	freqs := guideFreqs()
	var out []string
	run, cur := 0, ""
	flush := func() {
		if run >= 4 && cur != "" {
			out = append(out, cur)
		}
	}
	for _, f := range frames {
		if f.at.Before(t) {
			continue
		}
		name := ""
		if energy(f.pcm[:]) > 1e5 {
			if fr, ratio := tone.Dominant(f.pcm[:], freqs); ratio > 0.5 {
				name = guideName(fr)
			}
		}
		if name != cur {
			flush()
			run, cur = 0, name
		}
		run++
	}
	flush()
	return out
}

func guideName(f float64) string {
	for n, g := range guideTones {
		if g == f {
			return n
		}
	}
	for d := range 10 {
		if digitHz(d) == f {
			return fmt.Sprint(d)
		}
	}
	return fmt.Sprintf("%.0fHz", f)
}

// waitFor waits until the tones heard since t contain want in order.
func (e guideEar) waitFor(t *testing.T, since time.Time, d time.Duration, want ...string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if containsSeq(e.since(since), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("caller did not hear %v within %v; heard %v", want, d, e.since(since))
		}
		e.p.waitFrames(10)
	}
}

// containsSeq reports whether want appears in got in order (not
// necessarily next to each other).
func containsSeq(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// digitsIn returns the digits heard in tones, in order.
func digitsIn(tones []string) string {
	var b strings.Builder
	for _, s := range tones {
		if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
			b.WriteString(s)
		}
	}
	return b.String()
}

// powerSince sums the normalised power of freq (tone.Power) in what the
// caller heard since t, over the frames loud enough to be a tone.
func (e guideEar) powerSince(t time.Time, freq float64) (power float64, frames int) {
	e.p.mu.Lock()
	defer e.p.mu.Unlock()
	for _, f := range e.p.frames {
		if !f.at.Before(t) {
			if energy(f.pcm[:]) > 1e5 {
				power += tone.Power(f.pcm[:], freq)
			}
			frames++
		}
	}
	return power, frames
}

// startGuideBox starts a box whose IVR 6595 is the guide's XML application.
func startGuideBox(t *testing.T, app *guideApp) *box {
	t.Helper()
	b := startBox(t, boxOpts{prompts: guidePrompts(), prepare: func(dir string) { writeDigitPrompts(t, dir) }})
	adm := admin(t, b)
	adm.must("POST", "ivrs", map[string]any{"number": guideIVR, "prompts": []string{}, "control": "xml",
		"app": map[string]any{"url": app.url, "timeout": 5}}, http.StatusCreated, nil)
	return b
}

// guideCaller is one caller of the guide.
type guideCaller struct {
	c   *sipCaller
	p   *peer
	ear guideEar
	sid string // the callSid of its notices
	at  time.Time
}

func dialGuide(t *testing.T, b *box, app *guideApp, from string) *guideCaller {
	t.Helper()
	p := newPeer(t, 0)
	at := time.Now()
	c := dialBox(t, b, guideIVR, from, p)
	n := app.wait(10*time.Second, "startservice from "+from, func(n notice) bool {
		return n.Action == "startservice" && n.Caller == from
	})
	g := &guideCaller{c: c, p: p, ear: guideEar{p}, sid: n.CallSid, at: at}
	g.ear.waitFor(t, at, 10*time.Second, "confmenu")
	return g
}

// keys sends digits as RFC 4733 events.
func (g *guideCaller) keys(s string) {
	for i := range len(s) {
		g.p.rfc4733(s[i])
	}
}

// TestXMLConferenceGuide runs the seed's conference guide with the seed's
// own XML bodies: A presses 1, hears the new room's id read back and joins;
// B presses 2, enters a wrong id (join failed, asked again), then the right
// one and joins; A and B hear each other and not themselves; C presses 2
// and lets the Get time out twice: goodbye, and the box hangs up.
func TestXMLConferenceGuide(t *testing.T) {
	t.Parallel()
	app := newGuideApp(t)
	b := startGuideBox(t, app)

	var wg sync.WaitGroup
	wg.Go(func() { guideDoubleTimeout(t, b, app) })
	defer wg.Wait()

	a := dialGuide(t, b, app, "5550201")
	pressed := time.Now()
	a.keys("1")
	created := app.wait(10*time.Second, "createconfok", func(n notice) bool {
		return n.CallSid == a.sid && n.Path == "/createconfok"
	})
	if len(created.ConfID) != 8 || created.Result != "0" {
		t.Fatalf("createconfok: confid %q result %q, want 8 digits and 0; %s", created.ConfID, created.Result, app.summary())
	}
	a.ear.waitFor(t, pressed, 15*time.Second, append([]string{"createconf"}, strings.Split(created.ConfID, "")...)...)
	if got := digitsIn(a.ear.since(pressed)); got != created.ConfID {
		t.Errorf("A heard the id %q read back, the application was told %q", got, created.ConfID)
	}
	app.wait(10*time.Second, "A's joinconfok", func(n notice) bool {
		return n.CallSid == a.sid && n.Path == "/joinconfok" && n.ConfID == created.ConfID
	})
	a.p.loopTone(memberAHz)

	bc := dialGuide(t, b, app, "5550202")
	bc.keys("2")
	bc.ear.waitFor(t, bc.at, 10*time.Second, "confjoin")
	wrong := "1" + strings.Repeat("9", 7)
	if wrong == created.ConfID {
		wrong = "2" + strings.Repeat("9", 7)
	}
	tried := time.Now()
	bc.keys(wrong)
	app.wait(10*time.Second, "B's joinconffail", func(n notice) bool {
		return n.CallSid == bc.sid && n.Path == "/joinconffail"
	})
	bc.ear.waitFor(t, tried, 10*time.Second, "confjoinfail")
	bc.keys(created.ConfID)
	app.wait(10*time.Second, "B's joinconfok", func(n notice) bool {
		return n.CallSid == bc.sid && n.Path == "/joinconfok" && n.ConfID == created.ConfID
	})
	bc.p.loopTone(memberBHz)

	// Both in the room: each hears the other and not itself.
	both := time.Now().Add(300 * time.Millisecond)
	bc.p.waitFrames(50)
	a.p.waitFrames(50)
	aHearsB, n1 := a.ear.powerSince(both, memberBHz)
	aHearsA, _ := a.ear.powerSince(both, memberAHz)
	bHearsA, n2 := bc.ear.powerSince(both, memberAHz)
	bHearsB, _ := bc.ear.powerSince(both, memberBHz)
	if n1 < 20 || n2 < 20 {
		t.Fatalf("too few frames in the room: A %d, B %d", n1, n2)
	}
	// Power is normalised per frame: about 1 for a frame of that tone alone.
	if aHearsB < 0.5*float64(n1) || aHearsA > 0.05*float64(n1) {
		t.Errorf("A hears B %.3g, itself %.3g over %d frames: want B loud and not itself", aHearsB, aHearsA, n1)
	}
	if bHearsA < 0.5*float64(n2) || bHearsB > 0.05*float64(n2) {
		t.Errorf("B hears A %.3g, itself %.3g over %d frames: want A loud and not itself", bHearsA, bHearsB, n2)
	}
	a.c.hangup()
	bc.c.hangup()
	app.wait(10*time.Second, "A's stopservice", func(n notice) bool { return n.CallSid == a.sid && n.Action == "stopservice" })
}

// guideDoubleTimeout: C presses 2 and enters nothing: after the Get's 30 s
// the application asks again (join failed), after 30 s more it says
// goodbye and the box hangs up.
func guideDoubleTimeout(t *testing.T, b *box, app *guideApp) {
	c := dialGuide(t, b, app, "5550203")
	c.keys("2")
	c.ear.waitFor(t, c.at, 10*time.Second, "confjoin")
	app.wait(40*time.Second, "C's first timeout", func(n notice) bool {
		return n.CallSid == c.sid && n.Path == "/gettimeout" && n.Tag == "2"
	})
	c.ear.waitFor(t, c.at, 10*time.Second, "confjoin", "timeout", "confjoinfail")
	c.c.waitBye(45 * time.Second)
	c.ear.waitFor(t, c.at, time.Second, "confjoin", "timeout", "confjoinfail", "timeoutbye")
	for _, n := range app.of(c.sid) {
		if n.Path == "/joinconfget" {
			t.Errorf("C entered no digits, yet the application got %+v", n)
		}
	}
}

// waitFrames waits until n more frames of the box's audio have arrived
// (up to 5 s), polling the peer's count.
func (p *peer) waitFrames(n int) {
	p.t.Helper()
	start := p.frameCount()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for p.frameCount() < start+n {
		select {
		case <-tick.C:
		case <-deadline:
			p.t.Fatalf("no %d frames from the box within 5 s", n)
		}
	}
}
