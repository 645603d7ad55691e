package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// adminGet answers GET /api/admin/path with the browser's session cookie.
func (br *browser) adminGet(path string) string {
	br.t.Helper()
	return js[string](br, fmt.Sprintf(`(() => { const x = new XMLHttpRequest(); x.open('GET', '/api/admin/%s', false); x.send(); return x.responseText; })()`, path))
}

// fieldErr is the error text shown at the field holding sel ("" if none).
func (br *browser) fieldErr(sel string) string {
	br.t.Helper()
	return js[string](br, fmt.Sprintf(`(() => { const f = document.querySelector(%q).closest('.invalid');
		return f ? f.querySelector('.err').textContent : ''; })()`, sel))
}

// TestWebUINumberFields: letters typed into number fields are refused next
// to the field, on the IVR editor and the outbound routes, and nothing is
// saved; a number out of range is refused the same way before it is sent.
func TestWebUINumberFields(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	before := br.adminGet("ivrs")

	br.route("ivrs/6501", "IVR 6501")
	br.until("the form", 10*time.Second, `document.querySelector("#f-digit-timeout")`)
	for _, typed := range []string{"abc", "1e", "-"} {
		br.fill("#f-digit-timeout", typed)
		br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
		br.untilText("#save-msg", "Not saved")
		if e := br.fieldErr("#f-digit-timeout"); e == "" {
			t.Fatalf("%q as the digit timeout: no problem shown at the field", typed)
		}
	}
	br.shot("webui-number-refused")
	br.fill("#f-digit-timeout", "3")
	br.fill("#f-wait", "601")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "Not saved")
	if e := br.fieldErr("#f-wait"); e != "Enter a number from 0 to 600." {
		t.Fatalf("601 s as the wait: field says %q", e)
	}
	if e := br.fieldErr("#f-digit-timeout"); e != "" {
		t.Fatalf("the fixed digit timeout still shows %q", e)
	}
	if after := br.adminGet("ivrs"); after != before {
		t.Fatalf("the IVRs changed although nothing was saved:\n%s\n%s", before, after)
	}

	// A route's strip: letters refused at the cell.
	br.leaveUnsaved("trunks", "Trunks") // the refused edits are not saved
	br.until("the routes", 10*time.Second, `document.querySelector("#out-add")`)
	br.do("add an outbound route", chromedp.Click(chromedp.ID("out-add")))
	br.fill("#out-0-name", "out")
	br.fill("#out-0-patterns", "_9.")
	br.fill("#out-0-strip", "x")
	br.do("save the routes", chromedp.Click(chromedp.ID("routes-save")))
	br.untilText("#routes-msg", "Not saved")
	if e := br.fieldErr("#out-0-strip"); e == "" {
		t.Fatal("x as the strip: no problem shown at the field")
	}
	var routes struct{ Outbound []any }
	if err := json.Unmarshal([]byte(br.adminGet("routes")), &routes); err != nil || len(routes.Outbound) != 0 {
		t.Fatalf("routes after a refused save: %v %v", routes, err)
	}

}
