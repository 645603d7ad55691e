package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// getJSON fetches path with the browser's session and returns the body.
func getJSON(br *browser, path string) string {
	br.t.Helper()
	return js[string](br, fmt.Sprintf(`(x => (x.open("GET", %q, false), x.send(), x.responseText))(new XMLHttpRequest())`, path))
}

// TestWebUITrunks: on Trunks & routes a peer trunk is added (its state says
// it needs no registration), an outbound route with a bad
// pattern is refused at its field, then saved with _1XXXXXXXXXX via the
// trunk; on Accounts, account 1000 is added with a password and allowed
// that route. GET config through the API shows all three, and no password.
func TestWebUITrunks(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()

	br.do("menu trunks", chromedp.Click(chromedp.ID("nav-trunks")))
	br.untilText("#main h1", "Trunks & routes")
	br.untilText("#trunk-list", "No trunks yet.")
	br.do("add a trunk", chromedp.Click(chromedp.ID("trunk-new")))
	br.until("the trunk form", 10*time.Second, `document.querySelector("#trunk-host")`)
	br.fill("#trunk-name", "office-pbx")
	br.pick("#trunk-type", "peer")
	br.until("register-only fields hidden", 5*time.Second, `document.querySelector("#trunk-expiry").closest(".field").hidden`)
	br.fill("#trunk-host", "192.168.9.121:5060")
	br.fill("#trunk-password", "trunk-pw-1")
	br.do("save the trunk", chromedp.Click(chromedp.ID("trunk-save")))
	br.untilText("#trunk-list", "office-pbx")
	br.untilText("#trunk-list tr[data-name='office-pbx']", "no registration")
	br.untilText("#trunk-list tr[data-name='office-pbx']", "(set)")

	br.do("add an outbound route", chromedp.Click(chromedp.ID("out-add")))
	br.until("the route row", 10*time.Second, `document.querySelector("#out-0-name")`)
	if v := js[string](br, `document.querySelector("#out-0-trunk-0").value`); v != "office-pbx" {
		t.Errorf("the new route's first trunk is %q, want office-pbx", v)
	}
	br.fill("#out-0-name", "mobile")
	br.fill("#out-0-patterns", "_1Q.")
	br.do("save bad routes", chromedp.Click(chromedp.ID("routes-save")))
	br.until("the pattern problem at its field", 10*time.Second,
		`document.querySelector("#out-0-patterns").closest("td").classList.contains("invalid")`)
	br.shot("webui-trunks-bad-pattern")
	br.fill("#out-0-patterns", "_1XXXXXXXXXX")
	br.do("save the routes", chromedp.Click(chromedp.ID("routes-save")))
	br.untilText("#routes-msg", "Saved")
	br.shot("webui-trunks")

	br.do("menu accounts", chromedp.Click(chromedp.ID("nav-accounts")))
	br.untilText("#main h1", "Accounts")
	br.untilText("#acct-list", "No accounts yet.")
	br.do("add an account", chromedp.Click(chromedp.ID("acct-new")))
	br.until("the account form", 10*time.Second, `document.querySelector("#acct-route-mobile")`)
	br.fill("#acct-ext", "1000")
	br.fill("#acct-name", "app server")
	br.fill("#acct-password", "phone-pw-1")
	br.do("allow mobile", chromedp.Click(chromedp.ID("acct-route-mobile")))
	br.do("save the account", chromedp.Click(chromedp.ID("acct-save")))
	br.untilText("#acct-list tr[data-ext='1000']", "mobile")
	br.untilText("#acct-list tr[data-ext='1000']", "(set)")
	br.shot("webui-accounts")

	doc := getJSON(br, "/api/admin/config")
	var c config.Config
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatalf("GET config: %v\n%s", err, doc)
	}
	if tr, ok := c.Trunk("office-pbx"); !ok || tr.Type != config.TrunkPeer || tr.Host != "192.168.9.121:5060" {
		t.Errorf("trunks = %+v", c.Trunks)
	}
	if len(c.OutboundRoutes) != 1 || c.OutboundRoutes[0].Name != "mobile" ||
		!slices.Equal(c.OutboundRoutes[0].Patterns, []string{"_1XXXXXXXXXX"}) ||
		!slices.Equal(c.OutboundRoutes[0].Trunks, []string{"office-pbx"}) {
		t.Errorf("outbound routes = %+v", c.OutboundRoutes)
	}
	if a, ok := c.Account("1000"); !ok || a.Name != "app server" || !a.MayUse("mobile") {
		t.Errorf("accounts = %+v", c.Accounts)
	}
	for _, pw := range []string{"trunk-pw-1", "phone-pw-1"} {
		if strings.Contains(doc, pw) || strings.Contains(getJSON(br, "/api/admin/accounts"), pw) ||
			strings.Contains(getJSON(br, "/api/admin/trunks"), pw) {
			t.Errorf("the password %q is shown", pw)
		}
	}
	if !strings.Contains(getJSON(br, "/api/admin/accounts/1000"), `"has_password":true`) {
		t.Error("account 1000 has no password stored")
	}
}
