package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ivrbox/ivrbox/api/cloud"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// webCloudTokenRE is the raw form of a cloud API token.
var webCloudTokenRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// webCloudStatus is the status the box's cloud IVR API answers to GET
// /event/subscriptions with token.
func webCloudStatus(t *testing.T, b *box, token string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxFor(t, 10*time.Second), "GET",
		fmt.Sprintf("http://127.0.0.1:%d/event/subscriptions", b.httpPort), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestWebUICloud: on API access the cloud namespace is set (a bad one is
// refused at its field); a cloud token for both APIs (the cloud IVR API
// and the WebSocket ivrapi) is made on the page and shown once (not after
// the page is drawn again), listed with what it opens, works with the
// cloud IVR API, and stops working when revoked; a token for the WebSocket
// ivrapi only is refused by the cloud IVR API; one for no API is not
// made; an event subscription is added and deleted
// on the page. In the IVR editor 6501 is switched to cloud control: the key
// parts hide, the prompts become the greeting, hold without hold prompts
// is refused at its field, and the saved settings are in the config.
func TestWebUICloud(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	br := newBrowser(t, b, 1280, 1000, false)
	br.setup()

	br.route("access", "API access")
	br.untilText("#cloud", "Cloud IVR API")
	br.untilText("#cloud-token-list", "No tokens")

	// The namespace.
	br.fill("#cloud-ns", "not a domain!")
	br.do("save a bad namespace", chromedp.Click(chromedp.ID("cloud-ns-save")))
	br.until("the problem at the namespace", 10*time.Second,
		`document.querySelector("#cloud-ns").closest(".field").classList.contains("invalid")`)
	br.fill("#cloud-ns", "test.cc")
	br.do("save the namespace", chromedp.Click(chromedp.ID("cloud-ns-save")))
	br.untilText("#cloud-ns-msg", "Saved")

	// A token for both APIs: shown once, listed without its value, with
	// what it opens.
	webCloudWSOnly(t, br, b)
	br.fill("#cloud-token-name", "speech bot")
	br.do("tick the WebSocket ivrapi", chromedp.Click(chromedp.ID("cloud-token-api-ws")))
	br.do("make a cloud token", chromedp.Click(chromedp.ID("cloud-token-create")))
	br.until("the new token", 10*time.Second, `document.querySelector("#cloud-token-value")?.value.length === 36`)
	br.untilText("#cloud-token-shown", "will not be shown again")
	br.untilText("#cloud-token-list", "speech bot")
	br.untilText("#cloud-token-list tr[data-id] td.apis", "Cloud IVR API")
	br.untilText("#cloud-token-list tr[data-id] td.apis", "WebSocket ivrapi")
	br.shot("webui-cloud-token")
	token := js[string](br, `document.querySelector("#cloud-token-value").value`)
	if !webCloudTokenRE.MatchString(token) {
		t.Fatalf("token %q", token)
	}
	s := getJSON(br, "/api/admin/cloud/tokens")
	if strings.Contains(s, token) || strings.Contains(s, cloud.HashToken(token)) {
		t.Errorf("the token list shows the token: %s", s)
	}
	var toks []struct {
		Name string   `json:"name"`
		APIs []string `json:"apis"`
	}
	if err := json.Unmarshal([]byte(s), &toks); err != nil || len(toks) != 1 || toks[0].Name != "speech bot" ||
		!slices.Equal(toks[0].APIs, []string{config.APICloud, config.APIWS}) {
		t.Errorf("tokens listed: %s (%v), want speech bot opening cloud and ws", s, err)
	}
	var cfg config.Config
	if err := json.Unmarshal([]byte(getJSON(br, "/api/admin/config")), &cfg); err != nil {
		t.Fatal(err)
	}
	if !cfg.Cloud.TokenAllows(token, config.APICloud) || !cfg.Cloud.TokenAllows(token, config.APIWS) {
		t.Errorf("stored tokens %+v do not open both APIs to the new token", cfg.Cloud.Tokens)
	}
	if code := webCloudStatus(t, b, token); code != http.StatusOK {
		t.Fatalf("the cloud API answers %d to the new token, want 200", code)
	}
	br.route("dashboard", "Dashboard")
	br.route("access", "API access")
	br.untilText("#cloud-token-list", "speech bot")
	if js[bool](br, `!!document.querySelector("#cloud-token-value")`) ||
		strings.Contains(js[string](br, "document.body.innerText"), token) {
		t.Fatal("the token is shown again")
	}

	// A subscription through the box's cloud API.
	br.until("the subscription form", 10*time.Second, `!document.querySelector("#cloud-sub-form").hidden`)
	br.untilText("#cloud-sub-list", "No subscriptions")
	br.fill("#cloud-sub-url", "http://127.0.0.1:9/ivr-events")
	br.do("only topic ivr", chromedp.Click(chromedp.ID("cloud-sub-topic-call")))
	br.fill("#cloud-sub-secret", "hush-hush")
	br.do("add the subscription", chromedp.Click(chromedp.ID("cloud-sub-add")))
	br.untilText("#cloud-sub-msg", "Subscription added")
	br.untilText("#cloud-sub-list tr[data-id]", "http://127.0.0.1:9/ivr-events")
	br.untilText("#cloud-sub-list tr[data-id]", "signed")
	br.untilText("#cloud-sub-list tr[data-id]", "(the box’s)")
	br.shot("webui-cloud-subscription")
	var subs []cloud.Subscription
	if err := json.Unmarshal([]byte(getJSON(br, "/api/admin/cloud/subscriptions")), &subs); err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || !slices.Equal(subs[0].Topics, []string{"ivr"}) || !subs[0].HasSecret || subs[0].Secret != "" {
		t.Errorf("subscriptions = %+v", subs)
	}
	br.do("delete the subscription (click twice: confirm)",
		chromedp.Click(chromedp.CSS("#cloud-sub-list tr[data-id] button.danger")),
		chromedp.Click(chromedp.CSS("#cloud-sub-list tr[data-id] button.danger")))
	br.untilText("#cloud-sub-list", "No subscriptions")
	if s := getJSON(br, "/api/admin/cloud/subscriptions"); strings.TrimSpace(s) != "[]" {
		t.Errorf("after delete: %s", s)
	}

	// Revoke the token.
	br.do("revoke (click twice: confirm)", chromedp.Click(chromedp.CSS("#cloud-token-list tr[data-id] button.danger")),
		chromedp.Click(chromedp.CSS("#cloud-token-list tr[data-id] button.danger")))
	br.untilText("#cloud-token-list", "No tokens")
	if code := webCloudStatus(t, b, token); code != http.StatusUnauthorized {
		t.Fatalf("the cloud API answers %d to the revoked token, want 401", code)
	}

	webCloudIVR(t, br)
}

// webCloudWSOnly checks that the token form opens just the cloud IVR API
// by default, makes a token on the page with no API ticked (refused by
// the page), then one for the WebSocket ivrapi only: it is listed so, the
// cloud IVR API refuses it, and it is revoked.
func webCloudWSOnly(t *testing.T, br *browser, b *box) {
	t.Helper()
	if !js[bool](br, `document.querySelector("#cloud-token-api-cloud").checked && !document.querySelector("#cloud-token-api-ws").checked`) {
		t.Error("a new token does not open just the cloud IVR API by default")
	}
	br.fill("#cloud-token-name", "ws bot")
	br.do("untick the cloud IVR API", chromedp.Click(chromedp.ID("cloud-token-api-cloud")))
	br.do("make a token for no API", chromedp.Click(chromedp.ID("cloud-token-create")))
	br.untilText("#cloud-token-msg", "Tick at least one API")
	br.do("tick the WebSocket ivrapi", chromedp.Click(chromedp.ID("cloud-token-api-ws")))
	br.do("make a ws token", chromedp.Click(chromedp.ID("cloud-token-create")))
	br.until("the ws token", 10*time.Second, `document.querySelector("#cloud-token-value")?.value.length === 36`)
	br.untilText("#cloud-token-list", "ws bot")
	if got := js[string](br, `[...document.querySelectorAll("#cloud-token-list td.apis .badge")].map(b => b.dataset.api).join()`); got != "ws" {
		t.Errorf("the ws token is listed opening %q", got)
	}
	token := js[string](br, `document.querySelector("#cloud-token-value").value`)
	if code := webCloudStatus(t, b, token); code != http.StatusUnauthorized {
		t.Errorf("the cloud API answers %d to a token for the WebSocket ivrapi only, want 401", code)
	}
	br.do("revoke the ws token (click twice: confirm)", chromedp.Click(chromedp.CSS("#cloud-token-list tr[data-id] button.danger")),
		chromedp.Click(chromedp.CSS("#cloud-token-list tr[data-id] button.danger")))
	br.untilText("#cloud-token-list", "No tokens")
	// The form is as it was for the next token.
	br.do("tick the cloud IVR API again", chromedp.Click(chromedp.ID("cloud-token-api-cloud")),
		chromedp.Click(chromedp.ID("cloud-token-api-ws")))
}

// webCloudIVR switches 6501 to cloud control in the editor and checks the
// config the box stored.
func webCloudIVR(t *testing.T, br *browser) {
	br.route("ivrs/6501", "IVR 6501")
	br.until("the editor", 10*time.Second, `document.querySelector("#ivr-control")`)
	if !js[bool](br, `document.querySelector("#ivr-cloud").hidden && !document.querySelector("#ivr-keys-card").hidden`) {
		t.Fatal("a keys IVR shows the cloud settings, or hides its keys")
	}
	br.pick("#ivr-control", "cloud")
	br.until("the cloud settings instead of the keys", 5*time.Second, `!document.querySelector("#ivr-cloud").hidden &&
		document.querySelector("#ivr-keys-card").hidden && document.querySelector("#ivr-collect-card").hidden &&
		document.querySelector("#ivr-other-card").hidden && document.querySelector("#f-repeat").closest(".field").hidden`)
	br.untilText("#ivr-form", "Greeting")
	br.fill("#cloud-first", "5")
	br.fill("#cloud-idle", "30")
	br.do("barge-in", chromedp.Click(chromedp.ID("cloud-barge")))
	br.pick("#cloud-after", "hold")
	br.until("the hold prompts", 5*time.Second, `!document.querySelector("#cloud-hold-box").hidden`)
	br.pick("#act-cloud-fallback-type", "ivr")
	br.pick("#act-cloud-fallback-target", "6500")

	// Hold without hold prompts is refused at them.
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "Not saved")
	br.until("the problem at the hold prompts", 5*time.Second,
		`document.querySelector("#pl-cloud-hold").classList.contains("invalid")`)
	br.do("add a hold prompt", chromedp.SendKeys(chromedp.CSS("#pl-cloud-hold input.pick"), "music"),
		chromedp.Click(chromedp.CSS("#pl-cloud-hold button.add")))
	br.until("music in the hold list", 5*time.Second, `document.querySelector("#pl-cloud-hold li[data-name='music']")`)
	br.shot("webui-cloud-ivr")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "IVR 6501 saved")

	var c config.Config
	if err := json.Unmarshal([]byte(getJSON(br, "/api/admin/config")), &c); err != nil {
		t.Fatal(err)
	}
	if c.Cloud.Namespace != "test.cc" || len(c.Cloud.Tokens) != 0 {
		t.Errorf("cloud = %+v, want namespace test.cc and no tokens", c.Cloud)
	}
	i, _ := c.IVR("6501")
	want := config.CloudIVR{FirstCommand: 5, Idle: 30, BargeIn: true, AfterMedia: config.AfterMediaHold, Hold: []string{"music"},
		Fallback: config.Action{Type: config.ActIVR, Target: "6500"}}
	got := i.CloudSettings()
	if i.Control != config.ControlCloud || got.FirstCommand != want.FirstCommand || got.Idle != want.Idle || !got.BargeIn ||
		got.AfterMedia != want.AfterMedia || !slices.Equal(got.Hold, want.Hold) || got.Fallback.Type != want.Fallback.Type ||
		got.Fallback.Target != want.Fallback.Target || got.Next.Type != config.ActNone {
		t.Errorf("IVR 6501: control %q, cloud %+v; want cloud %+v", i.Control, got, want)
	}
	if !slices.Equal(i.Prompts, []string{"password"}) || i.Collect == nil {
		t.Errorf("the greeting or the kept digit string are gone: %+v", i)
	}

	// The list marks it; the editor shows it again from the box.
	br.route("ivrs", "IVRs")
	br.untilText("#ivr-list tr[data-number='6501']", "Cloud application")
	br.route("ivrs/6501", "IVR 6501")
	br.until("the stored cloud settings", 10*time.Second, `document.querySelector("#ivr-control")?.value === "cloud" &&
		document.querySelector("#cloud-first").value === "5" && document.querySelector("#cloud-barge").checked &&
		!document.querySelector("#ivr-cloud").hidden && document.querySelector("#ivr-keys-card").hidden`)
}
