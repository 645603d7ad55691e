package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// leaveUnsaved goes to route from a form with unsaved edits: the page
// asks, and the test leaves without saving.
func (br *browser) leaveUnsaved(route, h1 string) {
	br.t.Helper()
	br.do("leave the unsaved form for "+route, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("location.hash = %q", "#/"+route)),
		chromedp.WaitVisible(chromedp.ID("leave-go")), chromedp.Click(chromedp.ID("leave-go")))
	br.untilText("#main h1", h1)
}

// TestWebUIUnsavedEdits: leaving an edited IVR, trunk or account form for
// another page asks first: Stay keeps the page and the edits, Leave goes;
// closing the tab would make the browser ask; a saved or untouched form
// leaves without a question.
func TestWebUIUnsavedEdits(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	unload := `(() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()`

	br.route("ivrs/6501", "IVR 6501")
	br.until("the form", 10*time.Second, `document.querySelector("#f-name")`)
	if js[bool](br, unload) {
		t.Error("an untouched form stops the tab from closing")
	}
	br.fill("#f-name", "Changed name")
	br.do("go to Prompts", chromedp.Click(chromedp.ID("nav-prompts")))
	br.until("the question", 5*time.Second, `document.querySelector("#leave-bar")`)
	br.shot("webui-unsaved-ask")
	if h1 := js[string](br, `document.querySelector("#main h1").textContent`); h1 != "IVR 6501" || js[string](br, "location.hash") != "#/ivrs/6501" {
		t.Fatalf("left the form: %q at %s", h1, js[string](br, "location.hash"))
	}
	if !js[bool](br, unload) {
		t.Error("closing the tab with unsaved edits does not ask")
	}
	br.do("stay", chromedp.Click(chromedp.ID("leave-stay")))
	br.until("the bar gone", 5*time.Second, `!document.querySelector("#leave-bar")`)
	if v := js[string](br, `document.querySelector("#f-name").value`); v != "Changed name" {
		t.Fatalf("after Stay the name is %q", v)
	}
	br.do("go to Prompts again", chromedp.Click(chromedp.ID("nav-prompts")))
	br.do("leave", chromedp.WaitVisible(chromedp.ID("leave-go")), chromedp.Click(chromedp.ID("leave-go")))
	br.untilText("#main h1", "Prompts")

	// Saved: no question.
	br.route("ivrs/6501", "IVR 6501")
	br.until("the form", 10*time.Second, `document.querySelector("#f-name")`)
	br.fill("#f-name", "Saved name")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "IVR 6501 saved")
	br.route("prompts", "Prompts")

	// A trunk form and an account form ask the same way.
	for _, f := range []struct{ route, h1, open, field string }{
		{"trunks", "Trunks & routes", "trunk-new", "#trunk-name"},
		{"accounts", "Accounts", "acct-new", "#acct-ext"},
	} {
		br.route(f.route, f.h1)
		br.do("open the form", chromedp.WaitVisible(chromedp.ID(f.open)), chromedp.Click(chromedp.ID(f.open)))
		br.until("the form", 10*time.Second, `document.querySelector("`+f.field+`")`)
		br.fill(f.field, "7")
		br.do("go to IVRs", chromedp.Click(chromedp.ID("nav-ivrs")))
		br.until(f.route+": the question", 5*time.Second, `document.querySelector("#leave-bar")`)
		br.do("leave", chromedp.Click(chromedp.ID("leave-go")))
		br.untilText("#main h1", "IVRs")
	}
}
