package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebUIDiagnostics: after a SIPp call, the dashboard's box card shows
// the box's time, addresses and today's calls; the diagnostics page lists
// the call's trace, whose ladder shows its INVITE, 200 and BYE and whose
// RTP figures count packets; the call record links to the trace; the
// accounts page says whether each account's phone is registered; the box's
// log page shows its lines by level.
func TestWebUIDiagnostics(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: phoneConfig(freePort(t))})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	p := newPeer(t, 0)
	sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(2*time.Second).bye(), p, "udp").wait(t)

	br.route("dashboard", "Dashboard")
	br.untilText("#box-cards", "Calls today")
	br.untilText("#box-cards", "Box time")
	br.untilText("#trunk-health", "provider")
	br.shot("webui-dashboard-admin")

	br.route("diag", "Diagnostics")
	br.until("the trace list", 10*time.Second, `document.querySelector("#trace-list tr[data-call] a")`)
	br.untilText("#diag-figures", "Goroutines")
	br.do("open the trace", chromedp.Click(chromedp.CSS("#trace-list tr[data-call] a")))
	br.untilText("#main h1", "Call trace")
	br.until("the ladder", 10*time.Second, `document.querySelector("#ladder .lmsg")`)
	for _, m := range []string{"INVITE", "200 OK", "BYE"} {
		br.untilText("#ladder", m)
	}
	br.until("packets counted", 5*time.Second, `[...document.querySelectorAll("#trace-rtp .stat")].some(s =>
		s.textContent.startsWith("Packets in") && Number(s.querySelector("b").textContent) > 0)`)
	if href := js[string](br, `document.querySelector("#trace-download").href`); !strings.Contains(href, "format=text") {
		t.Errorf("trace download %q", href)
	}
	br.shot("webui-trace")

	br.route("records", "Call records")
	br.until("the record's trace link", 10*time.Second, `document.querySelector("#record-list tr[data-id] a.trace")`)
	br.route("accounts", "Accounts")
	br.untilText("#acct-list tr[data-ext='1001'] td.reg", "not registered")

	// The box's log: its start is there; warnings only leave the info lines out.
	br.route("logs", "Box log")
	br.untilText("#log-list", "ivrbox ready")
	br.shot("webui-log")
	br.pick("#log-level", "warn")
	br.until("info lines gone", 10*time.Second, `!document.querySelector("#log-list").textContent.includes("ivrbox ready")`)
	if href := js[string](br, `document.querySelector("#log-download").href`); !strings.Contains(href, "format=text&level=warn") {
		t.Errorf("log download %q", href)
	}
}
