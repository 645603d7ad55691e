// End-to-end tests of the WebSocket ivrapi (seed 003, docs/API-WS.md)
// through the binary: clients of the test connect to /ws with a token made
// through the admin API, a sipgo caller reaches IVR 6590's API-control
// step, and what the caller hears (tones) tells which component, file or
// step action ran.

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestWSFlow: two clients subscribe (the vendor's form and the box's short
// one) and both get api_start with the caller's SIP Call-ID and the step's
// settings while the caller hears the hold music; both accept at once: one
// wins, the other is refused 409 taken, and the hold music stops. The
// winner plays a file of the default storage (heard); records 3 s while
// the caller sends a tone and the keys 1 and 2 (ivrapi_dtmf for each,
// before callevents.dtmf; the recording's path under :TEMP/ivr_records/
// with dtmfBuffer "12"); downloads the recording through its link and
// finds the caller's tone in it; uploads a file from an HTTP server to
// :TEMP and plays it (heard); terminates a looping play (stopped, then the
// answer; the tone stops); aborts: api_stop (abort) reaches both clients
// and the caller hears the step's next IVR.
func TestWSFlow(t *testing.T) {
	t.Parallel()
	wb := startWSBox(t, 10)
	media := newMediaServer(t)
	a, b := dialWS(t, wb.box, "A", wb.token), dialWS(t, wb.box, "B", wb.token)
	sub := a.ok("subscribe", map[string]any{"objects": "any", "events": []string{"ivrevents.*", "callevents.dtmf"},
		"expires": 3600, "id": "app"})
	if sub.str("result") != "ok" || sub.str("id") != "app" || sub.str("expires") != "3600" {
		t.Errorf("A: subscribe: %s, want result ok, id app, expires 3600", sub.raw)
	}
	if sub := b.ok("subscribe", map[string]any{"classes": []string{"ivrevents", "callevents"}}); sub.str("result") != "ok" {
		t.Errorf("B: subscribe: %s, want result ok", sub.raw)
	}

	call := wb.call(t)
	startA := a.waitNotify(15*time.Second, "ivrevents.api_start", ofSIPCall(call.c.callID))
	startB := b.waitNotify(5*time.Second, "ivrevents.api_start", ofSIPCall(call.c.callID))
	live := wb.liveCallOf(call.c.callID)
	checkAPIStart(t, "A", startA, call, live)
	checkAPIStart(t, "B", startB, call, live)
	ivrid := anyStr(startA.data()["ivrid"])
	if got := anyStr(startB.data()["ivrid"]); got != ivrid {
		t.Fatalf("api_start: A has ivrid %q, B %q", ivrid, got)
	}
	waitRun(t, "the caller, the hold music", call.ear.heard, call.dialed, wsHoldHz, 10, 5*time.Second)

	// Both accept at once: the first processed wins.
	qa, qb := a.send("ivrapi_accept", ctl(ivrid)), b.send("ivrapi_accept", ctl(ivrid))
	ra, rb := a.answer("ivrapi_accept", qa), b.answer("ivrapi_accept", qb)
	accepted := ra.at
	if rb.at.Before(accepted) {
		accepted = rb.at
	}
	_, aRefused := ra.refusal()
	_, bRefused := rb.refusal()
	if aRefused == bRefused {
		t.Fatalf("two accepts at once: A %s, B %s; want exactly one ok and one 409 taken", ra.raw, rb.raw)
	}
	w, l, won, lost := a, b, ra, rb
	if aRefused {
		w, l, won, lost = b, a, rb, ra
	}
	if won.str("result") != "ok" || won.str("ivrid") != ivrid {
		t.Errorf("%s: accept: %s, want result ok and ivrid %s", w.name, won.raw, ivrid)
	}
	checkRefusal(t, l.name+": the second accept", lost, 409, "taken")
	quiet := waitRun(t, "the caller, quiet after the accept", call.ear.heard, accepted, 0, 10, 3*time.Second)
	if d := quiet.at.Sub(accepted); d > 500*time.Millisecond {
		t.Errorf("the hold music went on %v after the accept", d)
	}

	// A file of the default storage (no prefix).
	asked := time.Now()
	res := w.ok("ivrapi_component_apply", apply(ivrid, map[string]any{"oType": 204, "mode": 0, "file": "short.wav", "oId": 1}))
	if res.str("result") != "ok" || res.str("oId") != "1" {
		t.Errorf("%s: play: %s, want result ok and oId 1", w.name, res.raw)
	}
	waitRun(t, "the caller, short.wav of the default storage", call.ear.heard, asked, wsPlayHz, 10, 5*time.Second)
	st := w.waitMsg(10*time.Second, "ivrapi_component_stopped", isStopped(1))
	if st.str("transferKey") != "transfer" || anyStr(st.results()["dtmfBuffer"]) != "" {
		t.Errorf("%s: the play's ivrapi_component_stopped: %s, want transferKey transfer, dtmfBuffer \"\"", w.name, st.raw)
	}

	// Record 3 s while the caller sends its tone and the keys 1 and 2.
	call.p.loopTone(callerHz)
	mark, lmark := w.mark(), l.mark()
	recAsked := time.Now()
	w.ok("ivrapi_component_apply", apply(ivrid, map[string]any{"oType": 208, "recTimeSec": "3", "oId": 2}))
	call.p.rfc4733('1')
	call.p.rfc4733('2')
	rec, recAt := w.waitFor(8*time.Second, "the record's ivrapi_component_stopped", mark, isStopped(2))
	call.p.loopTone(0)
	r := rec.results()
	path := anyStr(r["path"])
	if rec.str("transferKey") != "transfer" || anyStr(r["dtmfBuffer"]) != "12" || anyStr(r["nameVar"]) != path ||
		!strings.HasPrefix(path, ":TEMP/ivr_records/") || !strings.HasSuffix(path, ".wav") {
		t.Errorf("%s: the record's ivrapi_component_stopped: %s, want transferKey transfer, dtmfBuffer 12, "+
			"path and nameVar :TEMP/ivr_records/….wav", w.name, rec.raw)
	}
	if secs := anyStr(r["duration"]); atof(secs) < 2.5 || atof(secs) > 3.5 {
		t.Errorf("%s: the record lasted %s s, want recTimeSec 3", w.name, secs)
	}
	if took := rec.at.Sub(recAsked); took < 2500*time.Millisecond {
		t.Errorf("the record of 3 s stopped %v after it was asked for", took)
	}
	for _, key := range []string{"1", "2"} {
		ev, evAt := w.waitFor(time.Second, "ivrapi_dtmf "+key, mark, func(m wsMsg) bool { return m.name == "ivrapi_dtmf" && m.str("dtmf") == key })
		if ev.str("mode") != "component" || ev.str("oId") != "2" || ev.str("key") != wsKey || ev.str("ivrid") != ivrid {
			t.Errorf("%s: %s, want mode component, oId 2, key %s, ivrid %s", w.name, ev.raw, wsKey, ivrid)
		}
		if evAt > recAt {
			t.Errorf("%s: ivrapi_dtmf %s came after the record's ivrapi_component_stopped", w.name, key)
		}
		_, cevAt := w.waitFor(time.Second, "callevents.dtmf "+key, mark, func(m wsMsg) bool {
			return m.name == "notify" && m.str("type") == "dtmf" && anyStr(m.data()["dtmf"]) == key
		})
		if cevAt < evAt {
			t.Errorf("%s: callevents.dtmf %s came before ivrapi_dtmf", w.name, key)
		}
		cev, _ := l.waitFor(time.Second, "callevents.dtmf "+key, lmark, func(m wsMsg) bool {
			return m.name == "notify" && m.str("type") == "dtmf" && anyStr(m.data()["dtmf"]) == key
		})
		if d := cev.data(); anyStr(d["callid"]) != call.c.callID || anyStr(d["ivrid"]) != ivrid || anyStr(d["source"]) != "rfc4733" {
			t.Errorf("%s: %s, want callid %s, ivrid %s, source rfc4733", l.name, cev.raw, call.c.callID, ivrid)
		}
	}

	// The recording through its link holds the caller's tone.
	link := w.ok("ivrapi_file_get_path", ctl(ivrid, "path", path))
	url := link.str("result")
	if prefix := fmt.Sprintf("http://127.0.0.1:%d/ws/files/", wb.httpPort); !strings.HasPrefix(url, prefix) {
		t.Fatalf("%s: get_path: %s, want a link %s…", w.name, link.raw, prefix)
	}
	if exp := time.UnixMilli(atoi64(link.str("expires"))); exp.Sub(link.at) < 4*time.Minute+50*time.Second || exp.Sub(link.at) > 5*time.Minute+10*time.Second {
		t.Errorf("%s: the link expires at %v, %v after it was made; want 5 minutes", w.name, exp, exp.Sub(link.at))
	}
	wav := filepath.Join(t.TempDir(), "record.wav")
	if code := download(t, url, wav); code != http.StatusOK {
		t.Fatalf("GET %s: %d, want 200", url, code)
	}
	recorded := readWAV(t, wav)
	if d := recorded.duration(); d < 2500*time.Millisecond || d > 3500*time.Millisecond {
		t.Errorf("the recording lasts %v, want 3 s", d)
	}
	frames, caller := 0, 0
	for i := 0; i+160 <= len(recorded.samples); i += 160 {
		frames++
		if frameTone(recorded.samples[i:i+160]) == callerHz {
			caller++
		}
	}
	if caller < frames*2/3 {
		t.Errorf("the recording: %d of its %d frames hold the caller's %d Hz, want most", caller, frames, callerHz)
	}
	if code := download(t, url[:len(url)-2]+flip(url[len(url)-2:]), ""); code != http.StatusForbidden {
		t.Errorf("GET of a changed link: %d, want 403", code)
	}

	// A file fetched from an HTTP server into :TEMP, then played.
	up := w.ok("ivrapi_file_upload_temp", ctl(ivrid, "url", media.url("/tone.wav")))
	if up.str("result") != ":TEMP/tone.wav" {
		t.Errorf("%s: upload_temp: %s, want result :TEMP/tone.wav", w.name, up.raw)
	}
	asked = time.Now()
	w.ok("ivrapi_component_apply", apply(ivrid, map[string]any{"oType": 204, "file": up.str("result"), "oId": 3}))
	waitRun(t, "the caller, the uploaded :TEMP/tone.wav", call.ear.heard, asked, wsURLHz, 10, 5*time.Second)
	w.waitMsg(5*time.Second, "ivrapi_component_stopped", isStopped(3))

	// A looping play, terminated: stopped first, then the answer, and the
	// caller hears it stop.
	asked = time.Now()
	w.ok("ivrapi_component_apply", apply(ivrid, map[string]any{"oType": 204, "file": ":SYN_DOM/short.wav", "loop": -1, "oId": 4}))
	first := waitRun(t, "the caller, the looping play", call.ear.heard, asked, wsPlayHz, 10, 5*time.Second)
	waitRun(t, "the caller, the looping play past its 1 s", call.ear.heard, first.at.Add(1200*time.Millisecond), wsPlayHz, 10, 5*time.Second)
	mark = w.mark()
	cut := time.Now()
	q := w.send("ivrapi_component_terminate", ctl(ivrid))
	stopped, si := w.waitFor(5*time.Second, "the terminated play's ivrapi_component_stopped", mark, isStopped(4))
	term, ti := w.waitFor(5*time.Second, "ivrapi_component_terminate_result", mark, func(m wsMsg) bool {
		return m.name == "ivrapi_component_terminate_result" && m.str("qid") == q
	})
	if si > ti || term.str("result") != "ok" {
		t.Errorf("%s: terminate: %s at %d, ivrapi_component_stopped at %d; want the stop first, then result ok", w.name, term.raw, ti, si)
	}
	if stopped.str("transferKey") != "transfer" || anyStr(stopped.results()["terminated"]) != "true" {
		t.Errorf("%s: the terminated play's ivrapi_component_stopped: %s, want transferKey transfer, results.terminated true", w.name, stopped.raw)
	}
	quiet = waitRun(t, "the caller, quiet after the terminate", call.ear.heard, cut, 0, 10, 3*time.Second)
	if d := quiet.at.Sub(cut); d > 500*time.Millisecond {
		t.Errorf("the play went on %v after the terminate", d)
	}
	waitRun(t, "the caller, still quiet", call.ear.heard, quiet.at, 0, 40, 3*time.Second)
	if n := countTone(call.ear.heard(), wsPlayHz, quiet.at, time.Now()); n > 0 {
		t.Errorf("%d frames of the terminated play after it stopped", n)
	}

	// Abort: api_stop (abort) to both, and the step's next IVR.
	aborted := time.Now()
	if res := w.ok("ivrapi_abort", ctl(ivrid)); res.str("result") != "ok" {
		t.Errorf("%s: abort: %s, want result ok", w.name, res.raw)
	}
	for _, c := range []*wsClient{w, l} {
		stop := c.waitNotify(5*time.Second, "ivrevents.api_stop", ofSIPCall(call.c.callID))
		checkAPIStop(t, c.name, stop, startA, "abort", "released")
	}
	waitRun(t, "the caller, IVR 6591 (the step's next)", call.ear.heard, aborted, wsNextHz, 10, 5*time.Second)
	for _, c := range []*wsClient{w, l} {
		if n := c.count("notify", func(m wsMsg) bool { return m.str("type") == "api_stop" }); n != 1 {
			t.Errorf("%s got api_stop %d times, want once", c.name, n)
		}
	}
	for _, name := range []string{"ivrapi_dtmf", "ivrapi_component_stopped"} {
		if n := l.count(name, nil); n > 0 {
			t.Errorf("%s, which did not control the call, got %d %s", l.name, n, name)
		}
	}
	call.c.hangup()
}

// TestWSCut: the owner's connection is cut and the other client takes the
// call over with ivrapi_reaccept and plays a file it put in a static
// storage with file_upload_static (heard). On another call the owner is
// cut and nobody comes back: api_stop (timeout) after the step's timeout
// of 2 s, not before, and the caller hears the step's fallback.
func TestWSCut(t *testing.T) {
	t.Parallel()
	wb := startWSBox(t, 2)
	media := newMediaServer(t)
	b := dialWS(t, wb.box, "B", wb.token)
	b.ok("subscribe", map[string]any{"class": "ivrevents"})
	static := b.ok("file_upload_static", map[string]any{"url": media.url("/tone.wav"), "destpath": ":GS_PUB/e2e/"})
	if static.str("result") != ":GS_PUB/e2e/tone.wav" {
		t.Errorf("file_upload_static: %s, want result :GS_PUB/e2e/tone.wav", static.raw)
	}

	// The owner is cut; B takes the call over.
	a := dialWS(t, wb.box, "A", wb.token)
	a.ok("subscribe", map[string]any{"class": "ivrevents"})
	call := wb.call(t)
	start := a.waitNotify(15*time.Second, "ivrevents.api_start", ofSIPCall(call.c.callID))
	b.waitNotify(5*time.Second, "ivrevents.api_start", ofSIPCall(call.c.callID))
	ivrid := anyStr(start.data()["ivrid"])
	a.ok("ivrapi_accept", ctl(ivrid))
	b.refused("ivrapi_component_apply", apply(ivrid, map[string]any{"oType": 204, "file": static.str("result")}), 403, "not-owner")
	a.cut()
	cutAt := time.Now()
	wb.waitLog(2*time.Second, "controller gone", "ivrid="+ivrid)
	if re := b.ok("ivrapi_reaccept", ctl(ivrid)); re.str("result") != "ok" || re.str("ivrid") != ivrid {
		t.Errorf("B: reaccept: %s, want result ok and ivrid %s", re.raw, ivrid)
	}
	if d := time.Since(cutAt); d > 2*time.Second {
		t.Fatalf("the reaccept came %v after the cut, past the step's timeout: the test is too slow to say anything", d)
	}
	// A client that connects now learns the step in progress when it
	// subscribes.
	c := dialWS(t, wb.box, "C", wb.token)
	c.ok("subscribe", map[string]any{"events": []string{"ivrevents.api_start"}})
	if again := c.waitNotify(5*time.Second, "ivrevents.api_start", ofSIPCall(call.c.callID)); anyStr(again.data()["ivrid"]) != ivrid {
		t.Errorf("C: the api_start of the step in progress: %s, want ivrid %s", again.raw, ivrid)
	}
	c.close()
	asked := time.Now()
	b.ok("ivrapi_component_apply", apply(ivrid, map[string]any{"oType": 204, "file": static.str("result"), "oId": 7}))
	waitRun(t, "the caller, the file B played after its reaccept", call.ear.heard, asked, wsURLHz, 10, 5*time.Second)
	b.waitMsg(5*time.Second, "ivrapi_component_stopped", isStopped(7))
	if n := countTone(call.ear.heard(), wsFallHz, call.dialed, time.Now()); n > 0 {
		t.Errorf("the caller heard the fallback (%d frames) although B took the call over in time", n)
	}
	aborted := time.Now()
	b.ok("ivrapi_abort", ctl(ivrid))
	checkAPIStop(t, "B", b.waitNotify(5*time.Second, "ivrevents.api_stop", ofSIPCall(call.c.callID)), start, "abort", "released")
	waitRun(t, "the caller, IVR 6591 after B's abort", call.ear.heard, aborted, wsNextHz, 10, 5*time.Second)
	call.c.hangup()

	// Another call: the owner is cut and nobody takes the call over.
	a2 := dialWS(t, wb.box, "A2", wb.token)
	a2.ok("subscribe", map[string]any{"class": "ivrevents"})
	call2 := wb.call(t)
	start2 := a2.waitNotify(15*time.Second, "ivrevents.api_start", ofSIPCall(call2.c.callID))
	b.waitNotify(5*time.Second, "ivrevents.api_start", ofSIPCall(call2.c.callID))
	ivrid2 := anyStr(start2.data()["ivrid"])
	a2.ok("ivrapi_accept", ctl(ivrid2))
	a2.cut()
	cutAt = time.Now()
	stop := b.waitNotify(6*time.Second, "ivrevents.api_stop", ofSIPCall(call2.c.callID))
	checkAPIStop(t, "B", stop, start2, "timeout", "lost")
	if d := stop.at.Sub(cutAt); d < 2*time.Second || d > 3500*time.Millisecond {
		t.Errorf("api_stop (timeout) came %v after the owner was cut, want the step's timeout, 2 s", d)
	}
	fb := waitRun(t, "the caller, IVR 6592 (the step's fallback)", call2.ear.heard, cutAt, wsFallHz, 10, 5*time.Second)
	if fb.at.Before(cutAt.Add(2 * time.Second)) {
		t.Errorf("the fallback was heard %v after the cut, before the step's timeout", fb.at.Sub(cutAt))
	}
	if n := countTone(call2.ear.heard(), wsNextHz, call2.dialed, time.Now()); n > 0 {
		t.Errorf("the caller heard the step's next IVR (%d frames): a lost controller runs the fallback", n)
	}
	call2.c.hangup()
}

// TestWSRefusals: the upgrade without a token, with a wrong one or one
// for the cloud API only is refused 401 in the error shape (the vendor's
// path and a Bearer header work); then on one call every refusal of the
// contract comes from a request that causes it: not-owner before the
// accept, wrong-key, unknown-ivrid, unknown-otype, component-running,
// no-component, unknown-request, malformed frames (answered, the
// connection stays open), file:// and a redirect to it (422 bad-url), a
// redirect loop (502 upstream), 100 MB refused by its Content-Length
// without being read; a message of 64 KiB is answered, one byte more
// closes the connection with 1009; api_stop reaches the owner after it
// unsubscribed.
func TestWSRefusals(t *testing.T) {
	t.Parallel()
	wb := startWSBox(t, 30)
	media := newMediaServer(t)
	bad := newFileServer(t)

	var cloudTok struct {
		Token string   `json:"token"`
		APIs  []string `json:"apis"`
	}
	wb.adm.must("POST", "cloud/tokens", map[string]any{"name": "cloud only"}, http.StatusCreated, &cloudTok)
	if !slices.Equal(cloudTok.APIs, []string{"cloud"}) {
		t.Errorf("a token made without apis: %+v, want apis [cloud]", cloudTok)
	}
	for what, u := range map[string]string{"no token": wsURL(wb.box, ""), "a wrong token": wsURL(wb.box, "not-a-token"),
		"a cloud API token": wsURL(wb.box, cloudTok.Token)} {
		code, body := dialRefused(t, u, nil)
		if code != http.StatusUnauthorized || !strings.Contains(string(body), `"code":401`) || !strings.Contains(string(body), `"message"`) {
			t.Errorf("the upgrade with %s: HTTP %d %s, want 401 with an error object", what, code, body)
		}
	}
	vendor := dialWSWith(t, "vendor path", fmt.Sprintf("ws://127.0.0.1:%d/ws/token/v1/%s", wb.httpPort, wb.token), nil)
	bearer := dialWSWith(t, "bearer", fmt.Sprintf("ws://127.0.0.1:%d/ws/token/v1", wb.httpPort),
		http.Header{"Authorization": {"Bearer " + wb.token}})
	for _, c := range []*wsClient{vendor, bearer} {
		ci := c.ok("connection_info", nil)
		caps := fmt.Sprint(ci.body["capabilities"])
		if ci.str("result") != "ok" || ci.str("ownertype") != "token" || ci.str("connectionid") == "" ||
			!strings.Contains(caps, "ivrapi") || !strings.Contains(caps, "subscr") {
			t.Errorf("%s: connection_info: %s", c.name, ci.raw)
		}
		c.close()
	}

	a := dialWS(t, wb.box, "A", wb.token)
	a.ok("subscribe", map[string]any{"class": "ivrevents"})
	call := wb.call(t)
	start := a.waitNotify(15*time.Second, "ivrevents.api_start", ofSIPCall(call.c.callID))
	ivrid := anyStr(start.data()["ivrid"])
	play := map[string]any{"oType": 204, "file": "short.wav"}

	a.refused("ivrapi_component_apply", apply(ivrid, play), 403, "not-owner")
	a.refused("ivrapi_accept", map[string]any{"key": "wrong", "ivrid": ivrid}, 403, "wrong-key")
	a.refused("ivrapi_accept", ctl("ivr-no-such-call"), 404, "unknown-ivrid")
	a.ok("ivrapi_accept", ctl(ivrid))
	a.refused("ivrapi_component_apply", map[string]any{"key": "wrong", "ivrid": ivrid, "data": play}, 403, "wrong-key")
	a.refused("ivrapi_component_apply", apply(ivrid, map[string]any{"oType": 299}), 501, "unknown-otype")
	a.refused("ivrapi_component_terminate", ctl(ivrid), 409, "no-component")
	a.ok("ivrapi_component_apply", apply(ivrid, map[string]any{"oType": 204, "file": "short.wav", "loop": -1, "oId": 1}))
	a.refused("ivrapi_component_apply", apply(ivrid, play), 409, "component-running")
	a.ok("ivrapi_component_terminate", ctl(ivrid))
	a.refused("ivrapi_no_such_request", ctl(ivrid), 404, "unknown-request")

	// Malformed frames are answered, and the connection stays open.
	mark := a.mark()
	a.sendRaw(`["ping", {"qid": 1,`)
	junk, _ := a.waitFor(5*time.Second, "the answer to a frame that is not JSON", mark, func(m wsMsg) bool { return m.name == "error" })
	checkRefusal(t, "A: a frame that is not JSON", junk, 400, "malformed")
	if q, has := junk.body["qid"]; !has || q != nil {
		t.Errorf("A: the answer to a frame that is not JSON: %s, want \"qid\": null", junk.raw)
	}
	a.sendRaw(`["ping", 5]`)
	junk, _ = a.waitFor(5*time.Second, "the answer to [name, not an object]", mark, func(m wsMsg) bool { return m.name == "ping_result" })
	checkRefusal(t, "A: [\"ping\", 5]", junk, 400, "malformed")
	if pong := a.ok("ping", nil); pong.str("result") != "pong" {
		t.Errorf("A: ping after malformed frames: %s, want result pong", pong.raw)
	}

	// Fetches refused.
	a.refused("ivrapi_file_upload_temp", ctl(ivrid, "url", "file:///etc/passwd"), 422, "bad-url")
	a.refused("ivrapi_file_upload_temp", ctl(ivrid, "url", media.url("/redirect.wav")), 422, "bad-url")
	a.refused("ivrapi_file_upload_temp", ctl(ivrid, "url", bad.url("/loop.wav")), 502, "upstream")
	if n := bad.loops.Load(); n != 4 {
		t.Errorf("a redirect loop was fetched %d times, want 4 (the URL and 3 redirects)", n)
	}
	asked := time.Now()
	a.refused("ivrapi_file_upload_temp", ctl(ivrid, "url", bad.url("/big.wav")), 413, "too-large")
	if d := time.Since(asked); d > 3*time.Second {
		t.Errorf("the 100 MB upload was refused after %v: its Content-Length says it is too large", d)
	}
	select {
	case <-bad.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the box still reads the 100 MB file 10 s after refusing it")
	}
	if sent := bad.sent.Load(); sent >= bigSize/2 {
		t.Errorf("the box read %d bytes of the 100 MB file it refused", sent)
	}

	// A message of 64 KiB is answered; one byte more closes the connection
	// with 1009; other connections are not affected.
	o := dialWS(t, wb.box, "O", wb.token)
	o.sendRaw(pingOfSize(64 << 10))
	if pong := o.waitMsg(5*time.Second, "ping_result", nil); pong.str("result") != "pong" {
		t.Errorf("O: a ping of 64 KiB: %s, want result pong", pong.raw)
	}
	o.sendRaw(pingOfSize(64<<10 + 1))
	if err := o.waitClosed(5 * time.Second); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Errorf("O: after a message over 64 KiB the connection ended with %v (status %d), want 1009", err, websocket.CloseStatus(err))
	}
	// api_stop reaches the connection that controls the call, subscribed
	// or not.
	a.ok("unsubscribe", map[string]any{})
	a.ok("ivrapi_abort", ctl(ivrid))
	checkAPIStop(t, "A", a.waitNotify(5*time.Second, "ivrevents.api_stop", ofSIPCall(call.c.callID)), start, "abort", "released")
	call.c.hangup()
}

// pingOfSize is a ping (qid 1) of exactly n bytes (at least 40).
func pingOfSize(n int) string {
	const head, tail = `["ping", {"qid": 1, "pad": "`, `"}]`
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

// download GETs url and returns the status; the body goes to file (if not
// "") when it is 200.
func download(t *testing.T, url, file string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && file != "" {
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.ReadFrom(resp.Body); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

// flip changes a token's last characters to others of its alphabet.
func flip(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c == 'A' {
			out[i] = 'B'
		} else {
			out[i] = 'A'
		}
	}
	return string(out)
}

// atof reads a JSON number's text (0 when it is not one).
func atof(s string) float64 {
	var f float64
	_, _ = fmt.Sscan(s, &f)
	return f
}
