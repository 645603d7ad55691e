package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebUIRecordings: an IVR set to record calls in stereo through the
// admin API records a SIPp call (the dashboard counts the recording while
// the call lasts); after it is hung up, the call records page lists
// the recording with a player that loads and plays it, a download link that
// gives the WAV file, and a delete button after which the row shows
// "deleted", the file is gone from the box and its URL answers 404.
func TestWebUIRecordings(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	adm := &adminClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d/api/admin/", b.httpPort)}
	h := adm.must("POST", "login", map[string]string{"password": adminPassword}, http.StatusOK, nil)
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "ivrbox_session" {
			adm.cookie = c.Value
		}
	}
	adm.must("PUT", "ivrs/6502", map[string]any{"name": "Recorded", "prompts": []string{"ok", "confirm", "notice"}, "repeat": 1, "wait": 30,
		"record": "stereo", "timeout": map[string]string{"type": "hangup"}}, http.StatusOK, nil)

	// The editor shows the setting.
	br.route("ivrs/6502", "IVR 6502")
	br.until("the Record calls select", 10*time.Second, `document.querySelector("#ivr-record")?.value === "stereo"`)

	// A call: the dashboard shows it recording; it is hung up from there.
	br.route("dashboard", "Dashboard")
	p := newPeer(t, 0)
	r := sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(60*time.Second), p, "udp")
	br.until("the recording on the dashboard", 15*time.Second, `document.querySelector("#calls tr[data-id] .rec-n")`)
	br.untilText("#calls tr[data-id] .rec-n", "recording 1")
	p.waitHeard(15*time.Second, "ok", "confirm", "notice") // more than a second of the call recorded
	br.do("hang up (click twice: confirm)", chromedp.Click(chromedp.CSS("#calls tr[data-id] button.hangup")),
		chromedp.Click(chromedp.CSS("#calls tr[data-id] button.hangup")))
	r.wait(t)

	// The call record lists the recording, with a player that loads it. (The
	// record is written just after the call ends: wait for it, then open the
	// page.)
	br.until("the call record", 15*time.Second, `(() => { const x = new XMLHttpRequest();
		x.open("GET", "/api/admin/records?limit=1", false); x.send();
		return x.status === 200 && (JSON.parse(x.responseText)[0]?.recordings || []).length === 1; })()`)
	br.route("records", "Call records")
	br.until("the recording listed", 15*time.Second, `document.querySelector("#record-list .recfile audio")`)
	file := js[string](br, `document.querySelector("#record-list .recfile").dataset.file`)
	if !strings.HasSuffix(file, "-r1.wav") {
		t.Fatalf("recording file %q", file)
	}
	br.untilText("#record-list tr.recs", "stereo")
	br.until("the player's metadata", 10*time.Second, `(a => a.readyState >= 1 && a.duration > 1)(document.querySelector("#record-list .recfile audio"))`)
	br.do("play (muted: headless autoplay rules)", chromedp.Evaluate[chromedp.Void](
		`(a => { a.muted = true; a.play().catch(e => console.log('play: ' + e)); })(document.querySelector("#record-list .recfile audio"))`))
	br.until("playback", 10*time.Second, `(a => a.currentTime > 0 && a.readyState >= 2)(document.querySelector("#record-list .recfile audio"))`)
	br.shot("webui-records-recording")

	// The download link gives the WAV as an attachment.
	ctx, cancel := context.WithTimeout(br.ctx, 10*time.Second)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const a = document.querySelector("#record-list .recfile a[download]");
		const r = await fetch(a.href, {credentials: "same-origin"});
		const b = new Uint8Array(await r.arrayBuffer());
		const s = (i, n) => String.fromCharCode(...b.slice(i, i + n));
		return [r.status, s(0, 4), s(8, 4), b.length > 44 + 4 * 8000, r.headers.get("Content-Disposition")].join(" ");
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if want := "200 RIFF WAVE true attachment; filename=" + filepath.Base(file); got != want {
		t.Errorf("download: %q, want %q", got, want)
	}
	local := filepath.Join(b.dir, "recordings", filepath.FromSlash(file))
	if _, err := os.Stat(local); err != nil {
		t.Fatalf("the recording is not in the box's recordings folder: %v", err)
	}

	// Delete it from the page (two clicks: confirm).
	br.do("delete (click twice: confirm)", chromedp.Click(chromedp.CSS("#record-list .recfile button.del")),
		chromedp.Click(chromedp.CSS("#record-list .recfile button.del")))
	br.untilText("#record-list .recfile", "deleted")
	br.shot("webui-records-deleted")
	if _, err := os.Stat(local); !os.IsNotExist(err) {
		t.Errorf("the file is still on the box: %v", err)
	}
	if code, _, body := adm.do("GET", "recordings/"+file, nil); code != http.StatusNotFound {
		t.Errorf("GET the deleted recording: %d %s", code, body)
	}
	// After a reload the file is still shown as deleted.
	br.do("reload", chromedp.Reload())
	br.untilText("#main h1", "Call records")
	br.untilText("#record-list .recfile", "deleted")
	if n := js[int](br, `document.querySelectorAll("#record-list .recfile audio").length`); n != 0 {
		t.Errorf("%d players for a deleted file", n)
	}
}

// TestWebUIIVRSteps: in the IVR editor 6502 gets "Record calls: mixed", key
// 1 a record step (stereo, finish key *, beep, stop on 5 s of silence) then hang
// up, key 2 an API-control step (key "exam", name "Exam step", wait 20 s)
// then go to IVR 6500, and if nobody takes the call go to IVR 6501. A
// record step of 7200 s is refused next to its field; once fixed,
// Save stores every setting (checked through the API) and the editor shows
// them again after a reload. The System page sets the recordings' limit and
// the fork settings. On a phone both pages fit the screen.
func TestWebUIIVRSteps(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	br.route("ivrs/6502", "IVR 6502")
	br.until("the editor", 10*time.Second, `document.querySelector("#key-1-type")`)
	br.pick("#ivr-record", "mixed")
	br.pick("#key-1-type", "record")
	br.fill("#key-1-max-seconds", "7200")
	br.fill("#key-1-finish-keys", "*")
	br.fill("#key-1-silence-seconds", "5")
	br.pick("#key-1-format", "stereo")
	br.do("beep", chromedp.Click(chromedp.ID("key-1-beep")))
	br.pick("#key-2-type", "api")
	br.fill("#key-2-key", "exam")
	br.fill("#key-2-name", "Exam step")
	br.fill("#key-2-timeout", "20")
	br.pick("#key-2-next-type", "ivr")
	br.pick("#key-2-next-target", "6500")
	if got := js[string](br, `document.querySelector("#key-2-fallback-type").value`); got != "" {
		t.Errorf("a new step's fallback is %q, want the default (as Then)", got)
	}
	br.pick("#key-2-fallback-type", "ivr")
	br.pick("#key-2-fallback-target", "6501")

	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "Not saved")
	br.until("the problem next to Longest", 5*time.Second,
		`(f => f.classList.contains("invalid") && f.querySelector(".err").textContent.includes("from 0 to 3600"))(document.querySelector("#key-1-max-seconds").closest(".field"))`)
	br.shot("webui-ivr-steps-problem")
	br.fill("#key-1-max-seconds", "30")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "IVR 6502 saved")
	br.shot("webui-ivr-steps")

	adm := &adminClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d/api/admin/", b.httpPort)}
	h := adm.must("POST", "login", map[string]string{"password": adminPassword}, http.StatusOK, nil)
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "ivrbox_session" {
			adm.cookie = c.Value
		}
	}
	var ivr struct {
		Record string                     `json:"record"`
		Keys   map[string]json.RawMessage `json:"keys"`
	}
	adm.must("GET", "ivrs/6502", nil, http.StatusOK, &ivr)
	for k, want := range map[string]string{
		"1": `{"type":"record","record":{"max_seconds":30,"finish_keys":"*","beep":true,"silence_seconds":5,"format":"stereo"},"next":{"type":"hangup"}}`,
		"2": `{"type":"api","api":{"key":"exam","timeout":20,"name":"Exam step","fallback":{"type":"ivr","target":"6501"}},"next":{"type":"ivr","target":"6500"}}`,
	} {
		if got := string(ivr.Keys[k]); got != want {
			t.Errorf("key %s: %s\nwant   %s", k, got, want)
		}
	}
	if ivr.Record != "mixed" {
		t.Errorf("record %q", ivr.Record)
	}
	br.do("reload", chromedp.Reload())
	br.untilText("#main h1", "IVR 6502")
	br.until("the steps shown again", 10*time.Second, `document.querySelector("#key-1-max-seconds")?.value === "30" &&
		document.querySelector("#key-1-beep").checked && document.querySelector("#key-2-key").value === "exam" &&
		document.querySelector("#key-2-next-target").value === "6500" && document.querySelector("#ivr-record").value === "mixed" &&
		document.querySelector("#key-2-name").value === "Exam step" && document.querySelector("#key-2-fallback-type").value === "ivr" &&
		document.querySelector("#key-2-fallback-target").value === "6501"`)
	// Saved again unchanged from the page, the step keeps them (the load and save round trip).
	br.do("save again", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "IVR 6502 saved")
	adm.must("GET", "ivrs/6502", nil, http.StatusOK, &ivr)
	if got, want := string(ivr.Keys["2"]), `{"type":"api","api":{"key":"exam","timeout":20,"name":"Exam step","fallback":{"type":"ivr","target":"6501"}},"next":{"type":"ivr","target":"6500"}}`; got != want {
		t.Errorf("key 2 saved again: %s\nwant %s", got, want)
	}

	// System: the recordings' limit and the fork settings.
	br.route("system", "System")
	br.untilText("#sys-rec-used", "In use:")
	br.fill("#sys-rec-mb", "100")
	br.fill("#sys-fork-call", "3")
	br.do("allow loopback", chromedp.Click(chromedp.ID("sys-fork-loop")))
	br.do("save", chromedp.Click(chromedp.ID("sys-save")))
	br.untilText("#sys-msg", "Saved")
	var sys struct {
		Recording struct {
			MaxMB int `json:"max_mb"`
		} `json:"recording"`
		Fork struct {
			MaxPerCall    int  `json:"max_per_call"`
			AllowLoopback bool `json:"allow_loopback"`
			LANOnly       bool `json:"lan_only"`
		} `json:"fork"`
	}
	adm.must("GET", "system", nil, http.StatusOK, &sys)
	if sys.Recording.MaxMB != 100 || sys.Fork.MaxPerCall != 3 || !sys.Fork.AllowLoopback || sys.Fork.LANOnly {
		t.Errorf("system %+v", sys)
	}
	br.shot("webui-system-media")

	phone := newBrowser(t, b, 390, 844, true)
	phone.login(adminPassword)
	phone.untilText("#main h1", "Dashboard")
	for _, page := range []struct{ route, h1, ready string }{
		{"ivrs/6502", "IVR 6502", "#key-1-max-seconds"}, {"system", "System", "#sys-fork-lan"}, {"records", "Call records", "#record-list tbody tr"},
	} {
		phone.route(page.route, page.h1)
		phone.until(page.route, 10*time.Second, fmt.Sprintf("document.querySelector(%q)", page.ready))
		if w := js[float64](phone, "document.documentElement.scrollWidth"); w > 390 {
			t.Errorf("%s is %.0f px wide on a 390 px screen", page.route, w)
		}
		phone.shot("webui-phone-steps-" + strings.ReplaceAll(page.route, "/", "-"))
	}
}

// sseStream reads the admin event stream: each event's kind and JSON.
type sseStream struct {
	c      chan map[string]any
	cancel context.CancelFunc
}

// openEvents opens GET events with the client's session.
func openEvents(t *testing.T, adm *adminClient) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", adm.base+"events", nil)
	req.AddCookie(&http.Cookie{Name: "ivrbox_session", Value: adm.cookie})
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET events: %v %v", res, err)
	}
	s := &sseStream{c: make(chan map[string]any, 256), cancel: cancel}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev map[string]any
				if json.Unmarshal([]byte(data), &ev) == nil {
					s.c <- ev
				}
			}
		}
		close(s.c)
	}()
	return s
}

// next returns the next event of kind (within d) that match accepts.
func (s *sseStream) next(t *testing.T, kind string, d time.Duration, match func(map[string]any) bool) map[string]any {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-s.c:
			if !ok {
				t.Fatalf("the event stream ended before %s", kind)
			}
			if ev["kind"] == kind && (match == nil || match(ev)) {
				return ev
			}
		case <-timer.C:
			t.Fatalf("no %s event within %v", kind, d)
		}
	}
}

// TestWebUIAdminCallControl: the admin API steers a live call through the
// real call core. Key 1 on 6502 starts an API-control step; the API
// accepts it, plays a prompt (waiting for the result), collects digits
// (the result comes as an event), forks the caller's audio to a UDP
// socket, records the call, and releases it: the step's "then" action
// hangs up.
func TestWebUIAdminCallControl(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	adm := &adminClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d/api/admin/", b.httpPort)}
	h := adm.must("POST", "setup", map[string]string{"password": adminPassword}, http.StatusOK, nil)
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "ivrbox_session" {
			adm.cookie = c.Value
		}
	}
	adm.must("PUT", "ivrs/6502", map[string]any{"prompts": []string{"notice"}, "wait": 30,
		"keys": map[string]any{"1": map[string]any{"type": "api", "api": map[string]any{"key": "exam", "timeout": 30},
			"next": map[string]string{"type": "hangup"}}}}, http.StatusOK, nil)
	adm.must("PUT", "system", map[string]any{"fork": map[string]any{"allow_loopback": true}}, http.StatusOK, nil)
	events := openEvents(t, adm)

	p := newPeer(t, 0)
	r := sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(60*time.Second), p, "udp")
	p.waitHeard(15*time.Second, "notice")
	p.rfc4733('1')
	ev := events.next(t, "control.offered", 15*time.Second, nil)
	id := ev["callid"].(string)
	calls := "calls/" + id

	// Accept, then play with ?wait=1.
	adm.must("POST", calls+"/control", map[string]any{"key": "other"}, http.StatusConflict, nil)
	var lease struct {
		Lease string `json:"lease"`
		TTL   int    `json:"ttl_s"`
	}
	adm.must("POST", calls+"/control", map[string]any{"key": "exam", "ttl_s": 60}, http.StatusCreated, &lease)
	events.next(t, "control.accepted", 5*time.Second, nil)
	ctl := calls + "/control/" + lease.Lease
	var info struct {
		Controller string `json:"controller"`
		Offer      struct {
			Key      string `json:"key"`
			Accepted bool   `json:"accepted"`
		} `json:"offer"`
	}
	adm.must("GET", calls, nil, http.StatusOK, &info)
	if !strings.HasPrefix(info.Controller, "admin:session-") || info.Offer.Key != "exam" || !info.Offer.Accepted {
		t.Errorf("call %+v", info)
	}
	var res struct {
		Status string `json:"status"`
		Kind   string `json:"kind"`
	}
	adm.must("POST", ctl+"/commands?wait=1", map[string]any{"kind": "play", "prompts": []string{"ok"}}, http.StatusOK, &res)
	if res.Status != "done" || res.Kind != "play" {
		t.Errorf("play result %+v", res)
	}
	p.waitHeard(5*time.Second, "ok")

	// Collect without waiting: the result is an event.
	var sub struct {
		ID float64 `json:"id"`
	}
	adm.must("POST", ctl+"/commands", map[string]any{"kind": "collect", "max_digits": 4, "finish_keys": "#",
		"first_timeout_ms": 10000, "tag": "code"}, http.StatusAccepted, &sub)
	for _, k := range []byte("42#") {
		p.rfc4733(k)
	}
	fin := events.next(t, "command.finished", 10*time.Second, func(ev map[string]any) bool {
		c, _ := ev["command"].(map[string]any)
		return c != nil && c["tag"] == "code"
	})
	if c := fin["command"].(map[string]any); c["digits"] != "42" || c["status"] != "done" || c["id"] != sub.ID {
		t.Errorf("collect result %v", c)
	}

	// A fork of the caller's audio to a socket of the test.
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	var fk struct {
		ID string `json:"id"`
	}
	adm.must("POST", calls+"/forks", map[string]string{"in": "udp://" + sink.LocalAddr().String(), "tag": "qa"}, http.StatusCreated, &fk)
	_ = sink.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	if n, err := sink.Read(buf); err != nil || n < 12 || buf[0]>>6 != 2 {
		t.Errorf("no RTP from the fork: %d bytes, %v", n, err)
	}
	adm.must("DELETE", calls+"/forks/"+fk.ID, nil, http.StatusNoContent, nil)
	adm.must("POST", calls+"/forks", map[string]string{"in": "udp://192.0.2.1:0"}, http.StatusBadRequest, nil)

	// A whole-call recording, stopped: its files are final.
	var rec struct {
		ID string `json:"id"`
	}
	adm.must("POST", calls+"/recordings", map[string]string{"format": "split"}, http.StatusCreated, &rec)
	p.waitHeard(5*time.Second, "ok") // a moment of the call
	adm.must("DELETE", calls+"/recordings/"+rec.ID, nil, http.StatusNoContent, nil)
	done := events.next(t, "recording.finished", 5*time.Second, nil)
	files := done["recording"].(map[string]any)["files"].([]any)
	if len(files) != 2 {
		t.Fatalf("split recording files %v", files)
	}
	for _, f := range files {
		if code, _, body := adm.do("GET", "recordings/"+f.(string), nil); code != http.StatusOK || string(body[:4]) != "RIFF" {
			t.Errorf("GET recordings/%s: %d", f, code)
		}
	}

	// Release: the step's next action hangs up; the lease is gone.
	adm.must("POST", ctl+"/touch", nil, http.StatusNoContent, nil)
	adm.must("DELETE", ctl, nil, http.StatusNoContent, nil)
	r.wait(t)
	adm.must("POST", ctl+"/touch", nil, http.StatusNotFound, nil)
	ended := events.next(t, "control.ended", 5*time.Second, nil)
	if c := ended["control"].(map[string]any); c["reason"] != "released" {
		t.Errorf("control ended %v", c)
	}
}
