package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ivrbox/ivrbox/media/tone"
)

// The password admin() (board_test.go) sets on a fresh box.
const boardPassword = "board test password"

// xmlFieldErr is the err text shown next to the input sel ("" when the field
// is not marked invalid).
func xmlFieldErr(br *browser, sel string) string {
	return js[string](br, fmt.Sprintf(`(() => { const f = document.querySelector(%q).closest(".field");
		return f.classList.contains("invalid") ? (f.querySelector(".err") || {}).textContent || "?" : ""; })()`, sel))
}

// TestWebUIXMLApp: in the IVR editor, 6501's Control becomes "XML
// application"; an ftp:// URL is refused next to its field; the guide
// application's URL, a fallback URL, a fallback prompt and a timeout are
// saved, the admin API returns them and a reload shows them; a call to
// 6501 then runs the guide (press 1: a room is made and the caller joins
// it); Conferences shows the room with the caller, and Kick from the page
// ends the caller's join (quitconf reason kicked) and empties the room.
func TestWebUIXMLApp(t *testing.T) {
	t.Parallel()
	app := newReasonApp(t)
	prompts := guidePrompts()
	prompts["fallback.wav"] = tone.WAV(tone.Sine([]float64{fallbackHz}, 600, 0.4))
	b := startBox(t, boxOpts{prompts: prompts, prepare: func(dir string) { writeDigitPrompts(t, dir) }})
	adm := admin(t, b)
	br := newBrowser(t, b, 1280, 900, false)
	br.login(boardPassword)
	br.untilText("#main h1", "Dashboard")

	br.route("ivrs/6501", "IVR 6501")
	br.until("the editor", 10*time.Second, `document.querySelector("#ivr-control")`)
	br.pick("#ivr-control", "xml")
	br.until("the XML settings shown", 5*time.Second,
		`!document.querySelector("#ivr-xml").hidden && document.querySelector("#ivr-prompts-card").hidden`)
	br.fill("#xml-url", "ftp://app.example.com/ivr")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "Not saved")
	br.until("the problem next to the URL", 5*time.Second,
		`document.querySelector("#xml-url").closest(".field").classList.contains("invalid")`)
	if e := xmlFieldErr(br, "#xml-url"); !strings.Contains(e, "ftp://app.example.com/ivr") || !strings.Contains(e, "http://") {
		t.Errorf("the URL field says %q, want the refused URL and what it must be", e)
	}
	br.shot("webui-ivr-xml-refused")

	const fallbackURL = "https://backup.example.com/ivr"
	br.fill("#xml-url", app.url)
	br.fill("#xml-fallback-url", fallbackURL)
	br.fill("#xml-fallback-prompt", "fallback")
	br.fill("#xml-timeout", "7")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "IVR 6501 saved")
	if e := xmlFieldErr(br, "#xml-url"); e != "" {
		t.Errorf("after a good save the URL field still says %q", e)
	}
	br.shot("webui-ivr-xml")

	var ivrs []struct {
		Number  string         `json:"number"`
		Control string         `json:"control"`
		App     map[string]any `json:"app"`
	}
	adm.must("GET", "ivrs", nil, http.StatusOK, &ivrs)
	found := false
	for _, i := range ivrs {
		if i.Number != "6501" {
			continue
		}
		found = true
		if i.Control != "xml" || i.App["url"] != app.url || i.App["fallback_url"] != fallbackURL ||
			i.App["fallback_prompt"] != "fallback" || i.App["timeout"] != float64(7) {
			t.Errorf("the admin API has 6501 as control %q, app %v", i.Control, i.App)
		}
	}
	if !found {
		t.Fatalf("no IVR 6501 in %+v", ivrs)
	}

	br.do("reload", chromedp.Reload())
	br.untilText("#main h1", "IVR 6501")
	br.until("the saved settings", 10*time.Second, fmt.Sprintf(`document.querySelector("#ivr-control")?.value === "xml" &&
		document.querySelector("#xml-url").value === %q && document.querySelector("#xml-fallback-url").value === %q &&
		document.querySelector("#xml-fallback-prompt").value === "fallback" && document.querySelector("#xml-timeout").value === "7" &&
		!document.querySelector("#ivr-xml").hidden`, app.url, fallbackURL))

	// A caller of 6501 now runs the guide: 1 makes a room and joins it.
	p := newPeer(t, 0)
	at := time.Now()
	dialBox(t, b, "6501", "5550501", p)
	start := app.wait(10*time.Second, "startservice", func(n notice) bool { return n.Action == "startservice" && n.Caller == "5550501" })
	if start.Called != "6501" {
		t.Errorf("startservice called %q, want 6501", start.Called)
	}
	ear := guideEar{p}
	ear.waitFor(t, at, 10*time.Second, "confmenu")
	p.rfc4733('1')
	joined := app.wait(20*time.Second, "joinconfok", func(n notice) bool { return n.CallSid == start.CallSid && n.Path == "/joinconfok" })
	id := joined.ConfID

	br.route("conferences", "Conferences")
	row := fmt.Sprintf("#conf-list .conf[data-id='%s'] tr[data-call='%s']", id, start.CallSid)
	br.until("the caller in the room", 10*time.Second, fmt.Sprintf(`document.querySelector(%q)`, row))
	br.untilText(row, "5550501")
	br.untilText(fmt.Sprintf("#conf-list .conf[data-id='%s']", id), "1 / 10 members")
	br.shot("webui-conferences-member")
	kick := chromedp.CSS(row + " button.kick")
	br.do("kick (click twice: confirm)", chromedp.Click(kick), chromedp.Click(kick))
	if r := app.waitQuit(start.CallSid); r != "kicked" {
		t.Errorf("the caller's quitconf reason %q, want kicked", r)
	}
	br.until("the member gone", 10*time.Second, fmt.Sprintf(`!document.querySelector(%q)`, row))
	var rooms []struct {
		ID      string `json:"id"`
		Members []any  `json:"members"`
	}
	adm.must("GET", "conferences", nil, http.StatusOK, &rooms)
	for _, r := range rooms {
		if r.ID == id && len(r.Members) != 0 {
			t.Errorf("room %s still has members %v after the kick", id, r.Members)
		}
	}
}
