package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// onScreen reports whether the element sel is shown and lies within the
// width of the screen (no sideways scrolling needed to reach it).
func (br *browser) onScreen(sel string) bool {
	br.t.Helper()
	return js[bool](br, fmt.Sprintf(`(el => { if (!el) return false; const r = el.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth; })(document.querySelector(%q))`, sel))
}

// phoneConfig has the long-waiting IVR of liveConfig, an account, and a
// trunk whose registration fails at once (TCP to a closed loopback port;
// not 127.0.0.1, whose calls would be taken as the trunk's).
func phoneConfig(closed int) string {
	return fmt.Sprintf(`{"version": 2, "system": {"name": "phone"}, "ivrs": [
 {"number": "6500", "name": "Long wait", "prompts": ["music"], "wait": 30, "timeout": {"type": "hangup"}}],
 "accounts": [{"ext": "1001", "name": "Reception with a rather long name"}],
 "trunks": [{"name": "provider", "type": "register", "host": "127.0.0.2:%d", "transport": "tcp", "user": "ivrbox"}]}`, closed)
}

// TestWebUIPhoneControls: at 390 px, a live call's Hang up button, an
// account's Edit and Delete buttons and a trunk's state with its failure
// reason (as text, not a tooltip) are on the screen without sideways
// scrolling, and Hang up works there.
func TestWebUIPhoneControls(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: phoneConfig(freePort(t))})
	br := newBrowser(t, b, 390, 844, true)
	br.setup()
	wide := func(where string) {
		if w := js[float64](br, "document.documentElement.scrollWidth"); w > 390 {
			t.Errorf("%s is %.0f px wide on a 390 px screen", where, w)
		}
	}

	p := newPeer(t, 0)
	r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).awaitBye(60*time.Second), p, "udp")
	br.until("the call", 15*time.Second, `document.querySelector("#calls tr[data-id] button.hangup")`)
	if !br.onScreen("#calls tr[data-id] button.hangup") {
		t.Error("Hang up is off the screen")
	}
	wide("the dashboard with a call")
	br.shot("webui-phone-call")
	br.do("hang up (click twice: confirm)", chromedp.Click(chromedp.CSS("#calls tr[data-id] button.hangup")),
		chromedp.Click(chromedp.CSS("#calls tr[data-id] button.hangup")))
	r.wait(t)

	br.route("accounts", "Accounts")
	br.until("the account", 10*time.Second, `document.querySelector("#acct-list tr[data-ext='1001'] button.edit")`)
	for _, sel := range []string{"#acct-list tr[data-ext='1001'] button.edit", "#acct-list tr[data-ext='1001'] button.danger"} {
		if !br.onScreen(sel) {
			t.Errorf("%s is off the screen", sel)
		}
	}
	wide("the accounts")
	br.shot("webui-phone-accounts")

	br.route("trunks", "Trunks & routes")
	br.until("the trunk's failure reason", 20*time.Second, `document.querySelector("#trunk-list tr[data-name='provider'] .tdetail")`)
	for _, sel := range []string{"#trunk-list tr[data-name='provider'] .tstate .badge", "#trunk-list tr[data-name='provider'] .tdetail",
		"#trunk-list tr[data-name='provider'] button.edit"} {
		if !br.onScreen(sel) {
			t.Errorf("%s is off the screen", sel)
		}
	}
	if s := js[string](br, `document.querySelector("#trunk-list tr[data-name='provider'] .tstate").textContent`); s == "" {
		t.Error("no trunk state")
	}
	wide("the trunks")
	br.shot("webui-phone-trunks")

	for _, p := range []struct{ route, h1 string }{{"ivrs", "IVRs"}, {"records", "Call records"}, {"logs", "Box log"}, {"diag", "Diagnostics"}} {
		br.route(p.route, p.h1)
		br.until(p.route, 10*time.Second, `document.querySelector("#main .card tbody tr")`)
		wide(p.route)
		br.shot("webui-phone-" + p.route)
	}
}
