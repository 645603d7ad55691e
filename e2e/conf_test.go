package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/tone"
)

// The conference tests' own tones: each a multiple of 50 Hz, so that over
// a 20 ms frame (160 samples) they are orthogonal to each other and to the
// members' 1000 and 1400 Hz and the join beeps' 600 and 900 Hz.
const (
	roomPlayHz = 700  // the prompt played into the room over REST
	farEndHz   = 2000 // what the invited far end says
)

// quitNotice is a quitconf (or delconf) notice's call and reason.
type quitNotice struct {
	Action  string `xml:"action"`
	CallSid string `xml:"callSid"`
	ConfID  string `xml:"confid"`
	Reason  string `xml:"reason"`
}

// reasonApp is the seed's guide application (xml_app_test.go) that also
// keeps the reason of every quitconf and delconf notice, which guideApp's
// notice does not read.
type reasonApp struct {
	*guideApp
	mu    sync.Mutex
	quits []quitNotice
}

func newReasonApp(t *testing.T) *reasonApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &guideApp{t: t, url: "http://" + ln.Addr().String() + "/ivr", changed: make(chan struct{})}
	a := &reasonApp{guideApp: g}
	g.srv = &http.Server{Handler: http.HandlerFunc(a.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = g.srv.Serve(ln) }()
	t.Cleanup(func() { _ = g.srv.Close() })
	return a
}

// serve notes a quit notice's reason, then answers as the guide does.
func (a *reasonApp) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad notice", http.StatusBadRequest)
		return
	}
	var q quitNotice
	if xml.Unmarshal(body, &q) == nil && (q.Action == "quitconf" || q.Action == "delconf") {
		a.mu.Lock()
		a.quits = append(a.quits, q)
		a.mu.Unlock()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	a.guideApp.serve(w, r)
}

// waitQuit waits for call sid's quitconf notice and returns its reason.
func (a *reasonApp) waitQuit(sid string) string {
	a.t.Helper()
	a.wait(10*time.Second, "quitconf of "+sid, func(n notice) bool { return n.CallSid == sid && n.Action == "quitconf" })
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, q := range a.quits {
		if q.CallSid == sid && q.Action == "quitconf" {
			return q.Reason
		}
	}
	return ""
}

// confToken makes an API token that opens the conference API through the
// admin API.
func confToken(t *testing.T, adm *adminClient) string {
	t.Helper()
	var tok struct {
		Token string   `json:"token"`
		APIs  []string `json:"apis"`
	}
	code, _, data := adm.do("POST", "cloud/tokens", map[string]any{"name": "conference app", "apis": []string{"conf"}})
	if code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("POST cloud/tokens: %d %s", code, data)
	}
	if err := json.Unmarshal(data, &tok); err != nil || tok.Token == "" || len(tok.APIs) != 1 || tok.APIs[0] != "conf" {
		t.Fatalf("token answer %s (%v)", data, err)
	}
	return tok.Token
}

// confOK sends a conference API request and fails the test unless it
// answers code with statusCode 000000.
func confOK(t *testing.T, b *box, token, method, path, body string, code int) map[string]any {
	t.Helper()
	got, v := confREST(t, b, token, method, path, body)
	if got != code || v["statusCode"] != "000000" {
		t.Fatalf("%s %s %s: %d %v, want %d 000000", method, path, body, got, v, code)
	}
	return v
}

// confMembers returns the room's members as the REST API lists them
// (GET conferences/{id}), number → callSid.
func confMembers(t *testing.T, b *box, token, id string) map[string]string {
	t.Helper()
	v := confOK(t, b, token, "GET", "conferences/"+id, "", http.StatusOK)
	c, _ := v["conference"].(map[string]any)
	ms, _ := c["members"].([]any)
	out := map[string]string{}
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		num, _ := mm["number"].(string)
		sid, _ := mm["callSid"].(string)
		out[num] = sid
	}
	if n, _ := c["membercount"].(float64); int(n) != len(out) {
		t.Errorf("conference %s: membercount %v, %d members listed: %v", id, c["membercount"], len(out), v)
	}
	return out
}

// joinRoom dials the guide from from with codec pt (0 or 8), presses 2,
// enters id and waits until the application hears the call joined.
func joinRoom(t *testing.T, b *box, app *reasonApp, from string, pt uint8, id string) *guideCaller {
	t.Helper()
	g := dialGuideCodec(t, b, app.guideApp, from, pt)
	g.keys("2")
	g.ear.waitFor(t, g.at, 10*time.Second, "confjoin")
	g.keys(id)
	app.wait(10*time.Second, from+"'s joinconfok", func(n notice) bool {
		return n.CallSid == g.sid && n.Path == "/joinconfok" && n.ConfID == id
	})
	return g
}

// dialGuideCodec is dialGuide with the caller's codec pt.
func dialGuideCodec(t *testing.T, b *box, app *guideApp, from string, pt uint8) *guideCaller {
	t.Helper()
	p := newPeer(t, pt)
	at := time.Now()
	c := dialBox(t, b, guideIVR, from, p)
	n := app.wait(10*time.Second, "startservice from "+from, func(n notice) bool {
		return n.Action == "startservice" && n.Caller == from
	})
	g := &guideCaller{c: c, p: p, ear: guideEar{p}, sid: n.CallSid, at: at}
	g.ear.waitFor(t, at, 10*time.Second, "confmenu")
	return g
}

// listening is a window of what some callers heard, from a moment on.
type listening struct {
	t     *testing.T
	since time.Time
}

// listen starts a window 200 ms from now (past what was already on its
// way) and returns once p has received n frames in it.
func listen(t *testing.T, p *peer, n int) listening {
	t.Helper()
	l := listening{t: t, since: time.Now().Add(200 * time.Millisecond)}
	p.waitFrames(10 + n)
	return l
}

// level is the mean normalised power of freq over the frames p received
// in the window (about 1 for that tone alone, 1/2 for one of two).
func (l listening) level(p *peer, freq float64) float64 {
	l.t.Helper()
	power, frames := guideEar{p}.powerSince(l.since, freq)
	if frames < 25 {
		l.t.Fatalf("only %d frames in the window", frames)
	}
	return power / float64(frames)
}

// hears checks that who hears freq (what) in the window, or does not.
func (l listening) hears(p *peer, who, what string, freq float64, want bool) {
	l.t.Helper()
	lv := l.level(p, freq)
	l.t.Logf("%s hears %s: %.3f", who, what, lv)
	switch {
	case want && lv < 0.25:
		l.t.Errorf("%s hears %s at %.3f, want it heard (≥ 0.25)", who, what, lv)
	case !want && lv > 0.05:
		l.t.Errorf("%s hears %s at %.3f, want it not heard (≤ 0.05)", who, what, lv)
	}
}

// waitTone waits until p has received at least n frames since t in which
// freq carries at least a fifth of the power (with other talk mixed in).
func waitTone(t *testing.T, p *peer, since time.Time, freq float64, n int, d time.Duration, who string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		p.mu.Lock()
		got := 0
		for _, f := range p.frames {
			if !f.at.Before(since) && energy(f.pcm[:]) > 1e5 && tone.Power(f.pcm[:], freq) > 0.2 {
				got++
			}
		}
		p.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s heard %.0f Hz in %d frames within %v, want %d", who, freq, got, d, n)
		}
		p.waitFrames(5)
	}
}

// TestConfMixing runs a room through the binary: made over REST, three
// callers join through the guide's XML IVR (A in PCMU says 1 kHz, B in
// PCMA 1.4 kHz, C is silent): C hears both, A hears B and not itself, B
// hears A and not itself; muted over REST, A is heard by nobody and still
// hears B; unmuted, heard again; C kicked (its join ends with reason
// kicked, two members left); a number invited through an outbound route
// to a far end (SIPp) that says 2 kHz: the members hear it and it hears
// them; a prompt played into the room is heard by all; the room ended
// over REST: the members' joins end (reason ended), the far end is hung
// up, and the room is gone.
func TestConfMixing(t *testing.T) {
	t.Parallel()
	app := newReasonApp(t)
	prompts := guidePrompts()
	prompts["roomplay.wav"] = tone.WAV(tone.Sine([]float64{roomPlayHz}, 1000, 0.4))
	b := startBox(t, boxOpts{prompts: prompts, prepare: func(dir string) { writeDigitPrompts(t, dir) }})
	adm := admin(t, b)
	adm.must("POST", "ivrs", map[string]any{"number": guideIVR, "prompts": []string{}, "control": "xml",
		"app": map[string]any{"url": app.url, "timeout": 5}}, http.StatusCreated, nil)
	far := newPeer(t, 0)
	uas := sippUAS(t, "127.0.0.2", 0, uasAnswer(100*time.Millisecond, 60*time.Second), far, 1)
	adm.must("POST", "trunks", peerTrunk("carrier", uas.addr()), http.StatusCreated, nil)
	adm.must("PUT", "routes", map[string]any{"inbound": []any{},
		"outbound": []any{outRoute("mobile", "carrier", 0, "10086")}}, http.StatusOK, nil)
	adm.must("POST", "accounts", account("1000", "mobile"), http.StatusCreated, nil)
	token := confToken(t, adm)

	v := confOK(t, b, token, "POST", "conferences", `{"maxmember":5}`, http.StatusCreated)
	id, _ := v["confid"].(string)
	if len(id) != 8 {
		t.Fatalf("create: confid %q, want 8 digits: %v", id, v)
	}
	a := joinRoom(t, b, app, "5550401", 0, id)
	a.p.loopTone(memberAHz)
	bc := joinRoom(t, b, app, "5550402", 8, id)
	bc.p.loopTone(memberBHz)
	c := joinRoom(t, b, app, "5550403", 0, id)
	members := confMembers(t, b, token, id)
	if members["5550401"] != a.sid || members["5550402"] != bc.sid || members["5550403"] != c.sid || len(members) != 3 {
		t.Fatalf("members %v, want A %s, B %s, C %s", members, a.sid, bc.sid, c.sid)
	}

	l := listen(t, c.p, 50)
	l.hears(c.p, "C", "A", memberAHz, true)
	l.hears(c.p, "C", "B", memberBHz, true)
	l.hears(a.p, "A", "B", memberBHz, true)
	l.hears(a.p, "A", "itself", memberAHz, false)
	l.hears(bc.p, "B", "A", memberAHz, true)
	l.hears(bc.p, "B", "itself", memberBHz, false)
	if pts := bc.p.payloadTypes(); pts[8] == 0 || pts[0] != 0 {
		t.Errorf("B offered only PCMA, and got payload types %v", pts)
	}

	confOK(t, b, token, "POST", "conferences/"+id+"/members/"+a.sid+"/mute", "", http.StatusOK)
	l = listen(t, c.p, 50)
	l.hears(bc.p, "B", "a muted A", memberAHz, false)
	l.hears(c.p, "C", "a muted A", memberAHz, false)
	l.hears(c.p, "C", "B while A is muted", memberBHz, true)
	l.hears(a.p, "a muted A", "B", memberBHz, true)
	confOK(t, b, token, "POST", "conferences/"+id+"/members/"+a.sid+"/unmute", "", http.StatusOK)
	l = listen(t, c.p, 30)
	l.hears(bc.p, "B", "an unmuted A", memberAHz, true)
	l.hears(c.p, "C", "an unmuted A", memberAHz, true)

	confOK(t, b, token, "DELETE", "conferences/"+id+"/members/"+c.sid, "", http.StatusOK)
	if r := app.waitQuit(c.sid); r != "kicked" {
		t.Errorf("C's quitconf reason %q, want kicked", r)
	}
	if m := confMembers(t, b, token, id); len(m) != 2 || m["5550403"] != "" {
		t.Errorf("members after the kick: %v, want A and B", m)
	}

	invited := time.Now()
	v = confOK(t, b, token, "POST", "conferences/"+id+"/invite", `{"number":"10086","fromext":"1000"}`, http.StatusOK)
	farSid, _ := v["callSid"].(string)
	if farSid == "" {
		t.Fatalf("invite: no callSid in %v", v)
	}
	far.loopTone(farEndHz)
	waitTone(t, a.p, invited, farEndHz, 10, 10*time.Second, "A")
	waitTone(t, bc.p, invited, farEndHz, 10, 5*time.Second, "B")
	waitTone(t, far, invited, memberAHz, 10, 5*time.Second, "the far end")
	waitTone(t, far, invited, memberBHz, 10, 5*time.Second, "the far end")
	if m := confMembers(t, b, token, id); len(m) != 3 || m["10086"] != farSid {
		t.Errorf("members after the invite: %v, want A, B and 10086 as %s", m, farSid)
	}

	played := time.Now()
	confOK(t, b, token, "POST", "conferences/"+id+"/play", `{"prompts":["roomplay"]}`, http.StatusOK)
	waitTone(t, a.p, played, roomPlayHz, 15, 5*time.Second, "A")
	waitTone(t, bc.p, played, roomPlayHz, 15, 5*time.Second, "B")
	waitTone(t, far, played, roomPlayHz, 15, 5*time.Second, "the far end")

	confOK(t, b, token, "DELETE", "conferences/"+id, "", http.StatusOK)
	for _, g := range []*guideCaller{a, bc} {
		if r := app.waitQuit(g.sid); r != "ended" {
			t.Errorf("%s's quitconf reason %q, want ended", g.sid, r)
		}
	}
	uas.wait(t, 10*time.Second) // the invited call was hung up: SIPp took the BYE
	far.close()                 // no stray RTP towards a port another box may open
	if code, v := confREST(t, b, token, "GET", "conferences/"+id, ""); code != http.StatusNotFound || v["statusCode"] != "200001" {
		t.Errorf("the ended room: %d %v, want 404 200001", code, v)
	}
	if evs := b.events("conf.ended", ""); len(evs) == 0 {
		t.Errorf("no conf.ended event logged")
	}
}
