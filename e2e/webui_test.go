package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
	"github.com/ivrbox/ivrbox/media/tone"
)

// The web page tests drive the real binary's admin page in a headless
// Chromium: a fresh profile per test, the page reached on loopback only.

const adminPassword = "correct horse 42"

// browser is one headless Chromium with one tab on the box's web page.
type browser struct {
	t    *testing.T
	ctx  context.Context // the tab (no deadline: each step gets its own)
	base string          // http://127.0.0.1:port/
	arts string          // where screenshots go

	mu      sync.Mutex
	console []string // console messages, logged when the test fails
	thrown  []string // uncaught exceptions: each fails the test
}

// chromiumPath returns the browser binary or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium-browser"); err == nil {
		return p
	}
	return sipptest.NeedTool(t, "chromium")
}

// artifacts is the screenshot directory: $IVRBOX_ARTIFACTS, or a temporary
// one whose path is logged.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("IVRBOX_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
		t.Logf("screenshots in %s (set IVRBOX_ARTIFACTS to keep them)", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts Chromium with a viewport of w×h (mobile when phone) and
// opens the box's page.
func newBrowser(t *testing.T, b *box, w, h int64, phone bool) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(int(w), int(h)),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	br := &browser{t: t, ctx: ctx, base: fmt.Sprintf("http://127.0.0.1:%d/", b.httpPort), arts: artifacts(t)}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		br.mu.Lock()
		defer br.mu.Unlock()
		if t.Failed() {
			t.Logf("browser console:\n%s", strings.Join(br.console, "\n"))
		}
	})
	if err := chromedp.Do(ctx); err != nil { // the first run starts the browser: no deadline here
		t.Fatalf("start chromium: %v", err)
	}
	go br.collect(chromedp.Console(ctx))
	var vp []chromedp.EmulateViewportOption
	if phone {
		vp = append(vp, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	br.do("open the page", chromedp.EmulateViewport(w, h, vp...), chromedp.Navigate(br.base))
	return br
}

func (br *browser) collect(msgs func(func(chromedp.ConsoleMessage, error) bool)) {
	for m, err := range msgs {
		if err != nil {
			return
		}
		br.mu.Lock()
		br.console = append(br.console, m.String())
		if m.IsException() {
			br.thrown = append(br.thrown, m.String())
		}
		br.mu.Unlock()
	}
}

// do runs steps (at most 30 s) and fails the test with what on error.
func (br *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		br.t.Fatalf("%s: %v", what, err)
	}
	br.mu.Lock()
	defer br.mu.Unlock()
	if len(br.thrown) > 0 {
		br.t.Fatalf("the page threw: %s", strings.Join(br.thrown, "\n"))
	}
}

// js evaluates expr in the page and returns its value.
func js[T any](br *browser, expr string) T {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		br.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// until waits (up to d) for the JavaScript expression expr to be truthy.
func (br *browser) until(what string, d time.Duration, expr string) {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, d+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(d)))
	if err != nil {
		br.t.Fatalf("waiting for %s: %v\npage text: %.3000s", what, err, js[string](br, "document.body.innerText"))
	}
}

// untilText waits until the element sel shows text containing want.
func (br *browser) untilText(sel, want string) {
	br.t.Helper()
	br.until(fmt.Sprintf("%s to show %q", sel, want), 15*time.Second,
		fmt.Sprintf(`(document.querySelector(%q)||{}).textContent?.includes(%q)`, sel, want))
}

// route goes to a page of the app (#/route).
func (br *browser) route(route, h1 string) {
	br.t.Helper()
	br.do("go to "+route, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("location.hash = %q", "#/"+route)))
	br.untilText("#main h1", h1)
}

// fill replaces the text of the input sel with text, typed as keys.
func (br *browser) fill(sel, text string) {
	br.t.Helper()
	js[bool](br, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = '';
		e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`, sel))
	br.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// pick sets a <select> to value as a user would (firing change).
func (br *browser) pick(sel, value string) {
	br.t.Helper()
	ok := js[bool](br, fmt.Sprintf(`(() => { const s = document.querySelector(%q);
		if (!s || ![...s.options].some(o => o.value === %q)) return false;
		s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, sel, value, value))
	if !ok {
		br.t.Fatalf("no option %q in %s", value, sel)
	}
}

// shot saves a full-page PNG screenshot as name.png.
func (br *browser) shot(name string) {
	br.t.Helper()
	js[bool](br, "window.scrollTo(0, 0), true") // a sticky header would show mid-page otherwise
	time.Sleep(300 * time.Millisecond)          // let the last render and fonts settle
	ctx, cancel := context.WithTimeout(br.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		br.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(br.arts, name+".png"), png, 0o644); err != nil {
		br.t.Fatal(err)
	}
}

// setup sets the first admin password on a fresh box and lands on the dashboard.
func (br *browser) setup() {
	br.t.Helper()
	br.do("first-run setup", chromedp.WaitVisible(chromedp.ID("setup-pw")),
		chromedp.SendKeys(chromedp.ID("setup-pw"), adminPassword),
		chromedp.SendKeys(chromedp.ID("setup-pw2"), adminPassword),
		chromedp.Click(chromedp.ID("setup-btn")))
	br.untilText("#main h1", "Dashboard")
}

// login signs in with password from the login page.
func (br *browser) login(password string) {
	br.t.Helper()
	br.do("login page", chromedp.WaitVisible(chromedp.ID("login-pw")))
	br.fill("#login-pw", password)
	br.do("log in", chromedp.Click(chromedp.ID("login-btn")))
}

// TestWebUILoginAndPages: a fresh box asks for a password; after setup the
// dashboard shows; log out; a wrong password is refused with a message; the
// right one logs in; every page of the menu opens (screenshots of each).
func TestWebUILoginAndPages(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.shot("webui-setup")
	br.setup()
	br.untilText("#status", "Uptime")
	br.untilText("#calls", "No calls right now.")
	br.shot("webui-dashboard")

	br.do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-pw")))
	br.login("not the password")
	br.untilText("#login-msg", "Wrong password.")
	br.shot("webui-login-refused")
	br.login(adminPassword)
	br.untilText("#main h1", "Dashboard")

	for _, p := range []struct{ nav, h1, ready string }{
		{"ivrs", "IVRs", "#ivr-list tr[data-number='6503']"},
		{"prompts", "Prompts", "#prompt-list tr[data-name='notice']"},
		{"access", "API access", "#token-list tbody tr"},
		{"events", "Event log", "#event-list tbody tr"},
		{"records", "Call records", "#record-list tbody tr"},
		{"system", "System", "#about .stat"},
	} {
		br.do("menu "+p.nav, chromedp.Click(chromedp.ID("nav-"+p.nav)))
		br.untilText("#main h1", p.h1)
		br.until(p.ready, 10*time.Second, fmt.Sprintf("document.querySelector(%q)", p.ready))
		br.shot("webui-" + p.nav)
	}
	// The session survives a reload; the box's own version is shown.
	br.do("reload", chromedp.Reload())
	br.untilText("#main h1", "System")
	br.untilText("#about", "sim")
	br.tokens(b)
}

// tokens creates an admin API token on the API access page: it is shown
// once, works as a bearer token, is listed, and stops working when revoked.
func (br *browser) tokens(b *box) {
	t := br.t
	t.Helper()
	br.route("access", "API access")
	br.fill("#token-name", "backup script")
	br.do("create a token", chromedp.Click(chromedp.ID("token-create")))
	br.until("the new token", 10*time.Second, `document.querySelector("#token-value")?.value.startsWith("ivb_")`)
	br.untilText("#token-list", "backup script")
	br.shot("webui-token-created")
	token := js[string](br, `document.querySelector("#token-value").value`)
	status := func() int {
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/api/admin/status", b.httpPort), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := status(); code != http.StatusOK {
		t.Fatalf("GET status with the new token: %d", code)
	}
	br.do("revoke (click twice: confirm)", chromedp.Click(chromedp.CSS("#token-list tr[data-id] button.danger")),
		chromedp.Click(chromedp.CSS("#token-list tr[data-id] button.danger")))
	br.untilText("#token-list", "No tokens.")
	if code := status(); code != http.StatusUnauthorized {
		t.Fatalf("GET status with the revoked token: %d, want 401", code)
	}
}

// TestWebUIEditIVR: 6501's prompt list and a key action are changed in the
// editor; a bad value is refused next to its field; after Save a call to
// 6501 hears the new prompt and the new key works.
func TestWebUIEditIVR(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	br.route("ivrs", "IVRs")
	br.do("open 6501", chromedp.Click(chromedp.CSS("#ivr-list a[href='#/ivrs/6501']")))
	br.untilText("#main h1", "IVR 6501")
	br.until("the prompt list", 10*time.Second, `document.querySelector("#pl-prompts li[data-name='password']")`)

	// [password] → [ok]; key * → go to IVR 6500.
	br.do("replace the prompt",
		chromedp.Click(chromedp.CSS("#pl-prompts li[data-name='password'] button.remove")),
		chromedp.SendKeys(chromedp.CSS("#pl-prompts input.pick"), "ok"),
		chromedp.Click(chromedp.CSS("#pl-prompts button.add")))
	br.until("ok in the list", 5*time.Second, `document.querySelectorAll("#pl-prompts li").length === 1 &&
		document.querySelector("#pl-prompts li input").value === "ok"`)
	br.pick("#key-star-type", "ivr")
	br.pick("#key-star-target", "6500")

	// A value out of range is refused before it is sent, at its field.
	br.fill("#f-repeat", "1000")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "Not saved")
	br.until("the problem next to Rounds", 5*time.Second,
		`document.querySelector("#f-repeat").closest(".field").classList.contains("invalid") &&
		 document.querySelector("#f-repeat").closest(".field").querySelector(".err").textContent.includes("from 1 to 100")`)
	br.shot("webui-ivr-problem")

	br.fill("#f-repeat", "2")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "IVR 6501 saved")
	br.shot("webui-ivr-6501")
	// The list shows the change after a reload from the box.
	br.route("ivrs", "IVRs")
	br.untilText("#ivr-list tr[data-number='6501']", "* → Go to IVR 6500")

	p := newPeer(t, 0)
	r := sipp(t, b, "6501", new(scenario).invite(false).answered(false).awaitBye(60*time.Second), p, "udp")
	p.waitHeard(15*time.Second, "ok")
	p.rfc4733('*')
	r.wait(t)
	if got, want := strings.Join(p.heard(), ","), "ok,notice,confirm,notice,confirm"; got != want {
		t.Fatalf("heard %s, want %s", got, want)
	}
}

// TestWebUIUploadPrompt: a tone WAV uploaded through the file input is
// listed, put into IVR 6502 from the page, and heard by the next call; a
// file that is not audio gets a clear message, and replacing the built-in
// prompt of the same name is asked first.
func TestWebUIUploadPrompt(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	br.route("prompts", "Prompts")
	dir := t.TempDir()
	wav, txt := filepath.Join(dir, "beep.wav"), filepath.Join(dir, "notes.wav")
	if err := os.WriteFile(wav, tone.WAV(tone.Sine([]float64{1400}, 500, 0.4)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(txt, []byte("these are notes, not audio\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	br.do("upload text", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{txt}),
		chromedp.Click(chromedp.ID("upload-btn")))
	br.untilText("#upload-msg", "“notes.wav” is not audio")
	br.shot("webui-upload-refused")

	br.do("upload wav", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{wav}),
		chromedp.Click(chromedp.ID("upload-btn")))
	// beep is a built-in prompt's name: the page asks before replacing it.
	br.untilText("#upload-msg", "“beep” is a built-in prompt")
	br.do("replace it", chromedp.Click(chromedp.ID("upload-btn")))
	br.untilText("#upload-msg", "Uploaded")
	br.until("beep listed", 10*time.Second, `document.querySelector("#prompt-list tr[data-name='beep']")`)
	br.untilText("#prompt-list tr[data-name='beep']", "uploaded")
	if s := js[string](br, `document.querySelector("#prompt-list tr[data-name='beep']").textContent`); !strings.Contains(s, "0.5 s") {
		t.Errorf("beep row %q: want its length 0.5 s", s)
	}
	br.shot("webui-prompts-uploaded")
	if _, err := os.Stat(filepath.Join(b.dir, "prompts", "beep.wav")); err != nil {
		t.Errorf("the upload is not in the prompt folder: %v", err)
	}

	// Use it: IVR 6502 plays [beep] instead of [ok], and a call hears it.
	br.route("ivrs", "IVRs")
	br.do("open 6502", chromedp.Click(chromedp.CSS("#ivr-list a[href='#/ivrs/6502']")))
	br.untilText("#main h1", "IVR 6502")
	br.until("the prompt list", 10*time.Second, `document.querySelector("#pl-prompts li[data-name='ok']")`)
	br.do("replace the prompt",
		chromedp.Click(chromedp.CSS("#pl-prompts li[data-name='ok'] button.remove")),
		chromedp.SendKeys(chromedp.CSS("#pl-prompts input.pick"), "beep"),
		chromedp.Click(chromedp.CSS("#pl-prompts button.add")))
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "IVR 6502 saved")
	p := newPeer(t, 0)
	sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "udp").wait(t)
	p.mu.Lock()
	beeps := 0
	for _, f := range p.frames {
		if fr, ratio := tone.Dominant(f.pcm[:], []float64{1400, toneOf["ok"]}); fr == 1400 && ratio > 0.5 && energy(f.pcm[:]) > 1e5 {
			beeps++
		}
	}
	p.mu.Unlock()
	if beeps < 20 { // the 0.5 s upload: 25 frames
		t.Fatalf("the call heard %d frames of the uploaded 1400 Hz prompt, want about 25", beeps)
	}
}

// liveConfig makes 6500 play hold music once and then wait 30 s: a call
// stays up long enough to be watched and hung up from the page.
const liveConfig = `{"version": 2, "system": {"name": "webui"}, "ivrs": [
 {"number": "6500", "name": "Long wait", "prompts": ["music"], "wait": 30, "timeout": {"type": "hangup"}}]}`

// TestWebUILiveCall: a call appears on the dashboard while SIPp holds it
// and disappears when it ends; a second call is hung up from the page.
func TestWebUILiveCall(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: liveConfig})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	br.untilText("#calls", "No calls right now.")

	p := newPeer(t, 0)
	r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(6*time.Second).bye(), p, "udp")
	br.until("the call on the dashboard", 15*time.Second, `document.querySelector("#calls tr[data-id]")`)
	br.untilText("#calls tr[data-id]", "6500")
	br.untilText("#calls tr[data-id]", "answered")
	br.untilText("#calls-count", "1")
	br.shot("webui-dashboard-call")
	r.wait(t)
	br.until("the call gone", 10*time.Second, `!document.querySelector("#calls tr[data-id]")`)
	br.untilText("#calls-count", "0")

	p2 := newPeer(t, 0)
	r2 := sipp(t, b, "6500", new(scenario).invite(false).answered(false).awaitBye(60*time.Second), p2, "udp")
	br.until("the second call", 15*time.Second, `document.querySelector("#calls tr[data-id] button.hangup")`)
	clicked := time.Now()
	br.do("hang up (click twice: confirm)", chromedp.Click(chromedp.CSS("#calls tr[data-id] button.hangup")),
		chromedp.Click(chromedp.CSS("#calls tr[data-id] button.hangup")))
	r2.wait(t)
	if d := time.Since(clicked); d > 20*time.Second {
		t.Errorf("the call ended %v after Hang up: not by the button", d)
	}
	br.until("the hung-up call gone", 10*time.Second, `!document.querySelector("#calls tr[data-id]")`)

	// Both calls are in the event log and the call records.
	br.route("events", "Event log")
	br.untilText("#event-list", "call ended")
	br.untilText("#event-list", "1000 → 6500")
	br.shot("webui-events-calls")
	br.route("records", "Call records")
	br.until("two records", 10*time.Second, `document.querySelectorAll("#record-list tr[data-id]").length === 2`)
	br.untilText("#record-list", "6500")
	br.shot("webui-records-calls")
}

// TestWebUIChinese: the language switch turns the page Chinese, and the
// choice survives a reload (localStorage).
func TestWebUIChinese(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	br.do("switch to Chinese", chromedp.Click(chromedp.ID("lang")))
	br.untilText("#main h1", "仪表盘")
	br.untilText("#nav-ivrs", "IVR 语音导航")
	br.untilText("#logout", "退出")
	br.untilText("#calls", "当前没有通话")
	br.shot("webui-dashboard-zh")
	br.do("reload", chromedp.Reload())
	br.untilText("#main h1", "仪表盘")
	br.route("ivrs/6500", "IVR 6500")
	br.untilText("#ivr-form", "按键动作")
	br.shot("webui-ivr-zh")
	br.do("back to English", chromedp.Click(chromedp.ID("lang")))
	br.untilText("#ivr-form", "Key actions")
	if lang := js[string](br, "document.documentElement.lang"); lang != "en" {
		t.Errorf("html lang %q after switching back", lang)
	}
}

// TestWebUIPhone: on a 390×844 phone the menu folds behind a button that
// opens it; a page fits the width without sideways scrolling.
func TestWebUIPhone(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 390, 844, true)
	br.setup()
	br.do("menu folded", chromedp.WaitNotVisible(chromedp.ID("nav")), chromedp.WaitVisible(chromedp.ID("menu-btn")))
	br.shot("webui-phone-dashboard")
	br.do("open the menu", chromedp.Click(chromedp.ID("menu-btn")), chromedp.WaitVisible(chromedp.ID("nav-prompts")))
	br.shot("webui-phone-menu")
	br.do("go to IVRs", chromedp.Click(chromedp.ID("nav-ivrs")), chromedp.WaitNotVisible(chromedp.ID("nav")))
	br.untilText("#main h1", "IVRs")
	for _, page := range []struct{ route, h1 string }{{"ivrs/6501", "IVR 6501"}, {"dashboard", "Dashboard"}, {"prompts", "Prompts"}} {
		br.route(page.route, page.h1)
		br.until(page.route, 10*time.Second, `document.querySelector("#main .card")`)
		if w := js[float64](br, "document.documentElement.scrollWidth"); w > 390 {
			t.Errorf("%s is %.0f px wide on a 390 px screen", page.route, w)
		}
		br.shot("webui-phone-" + strings.ReplaceAll(page.route, "/", "-"))
	}
}

// TestWebUIRestartAndReset: Restart (confirmed by a second click) brings
// the box back; Factory reset needs RESET typed, then the page asks for a
// new password.
func TestWebUIRestartAndReset(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	br.route("system", "System")
	br.do("restart (click twice: confirm)", chromedp.Click(chromedp.ID("restart-btn")), chromedp.Click(chromedp.ID("restart-btn")))
	br.untilText("#restart-msg", "Restarting")
	br.until("the box back", 40*time.Second, `document.querySelector("#restart-msg").textContent.includes("The box is back.")`)

	if !js[bool](br, `document.querySelector("#reset-btn").disabled`) {
		t.Fatal("Factory reset is enabled before RESET is typed")
	}
	br.fill("#reset-confirm", "reset")
	if !js[bool](br, `document.querySelector("#reset-btn").disabled`) {
		t.Fatal("Factory reset is enabled with the wrong word")
	}
	br.fill("#reset-confirm", "RESET")
	br.shot("webui-factory-reset")
	br.do("factory reset", chromedp.Click(chromedp.ID("reset-btn")))
	br.untilText("#reset-msg", "Resetting")
	br.until("first-run setup again", 40*time.Second, `document.querySelector("#setup-pw")`)
	br.setup()
}
