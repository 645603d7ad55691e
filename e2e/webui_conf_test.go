package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// confREST sends one request to the box's conference API with token ("":
// none) and returns the status and the decoded answer.
func confREST(t *testing.T, b *box, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctxFor(t, 10*time.Second), method,
		fmt.Sprintf("http://127.0.0.1:%d/conf/v1/%s", b.httpPort, path), rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		t.Fatalf("%s %s: answer: %v", method, path, err)
	}
	return res.StatusCode, v
}

// TestWebUIConferences: on a phone, a token for the conference API is made
// through the admin API (the API access page offers it); a room created
// through the REST API with it shows in Conferences (with no members), a
// second one appears without a reload, End (two clicks) removes the first,
// which the REST API then does not know; the page fits the phone's width.
// A request without the token is refused.
func TestWebUIConferences(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	br := newBrowser(t, b, 390, 844, true)
	br.setup()

	br.route("access", "API access")
	br.untilText("#cloud-token-list", "No tokens")
	br.untilText("#cloud", "Conference API") // the checkbox for the new scope
	raw := js[string](br, `(x => (x.open("POST", "/api/admin/cloud/tokens", false),
		x.setRequestHeader("Content-Type", "application/json"),
		x.send(JSON.stringify({name: "conference app", apis: ["conf"]})), x.responseText))(new XMLHttpRequest())`)
	var tok struct {
		Token string   `json:"token"`
		APIs  []string `json:"apis"`
	}
	if err := json.Unmarshal([]byte(raw), &tok); err != nil || tok.Token == "" || len(tok.APIs) != 1 || tok.APIs[0] != "conf" {
		t.Fatalf("token answer %s (%v)", raw, err)
	}
	if code, v := confREST(t, b, "", "GET", "conferences", ""); code != http.StatusUnauthorized || v["statusCode"] != "100001" {
		t.Fatalf("without a token: %d %v", code, v)
	}
	code, v := confREST(t, b, tok.Token, "POST", "conferences", `{"confid":"20250501","maxmember":5}`)
	if code != http.StatusCreated || v["confid"] != "20250501" {
		t.Fatalf("create: %d %v", code, v)
	}

	br.route("conferences", "Conferences")
	br.untilText("#conf-list", "Room 20250501")
	br.untilText("#conf-list .conf[data-id='20250501']", "0 / 5 members")
	br.untilText("#conf-list .conf[data-id='20250501'] table.members", "Nobody has joined yet.")
	br.untilText("#conf-count", "1")
	code, v = confREST(t, b, tok.Token, "POST", "conferences", `{}`)
	id, _ := v["confid"].(string)
	if code != http.StatusCreated || len(id) != 8 {
		t.Fatalf("create with a free id: %d %v", code, v)
	}
	br.until("the second room without a reload", 10*time.Second,
		fmt.Sprintf(`document.querySelector("#conf-list .conf[data-id='%s']")`, id))
	br.untilText("#conf-count", "2")
	if w := js[float64](br, "document.documentElement.scrollWidth"); w > 390 {
		t.Errorf("Conferences is %.0f px wide on a 390 px screen", w)
	}
	br.shot("webui-phone-conferences")

	end := chromedp.CSS("#conf-list .conf[data-id='20250501'] button.end")
	br.do("end the room (click twice: confirm)", chromedp.Click(end), chromedp.Click(end))
	br.until("the room gone", 10*time.Second, `!document.querySelector("#conf-list .conf[data-id='20250501']")`)
	br.untilText("#conf-count", "1")
	if code, v := confREST(t, b, tok.Token, "GET", "conferences/20250501", ""); code != http.StatusNotFound || v["statusCode"] != "200001" {
		t.Errorf("the ended room: %d %v", code, v)
	}
	if code, v := confREST(t, b, tok.Token, "DELETE", "conferences/"+id, ""); code != http.StatusOK {
		t.Errorf("end %s: %d %v", id, code, v)
	}
	br.until("no rooms", 10*time.Second, `document.querySelector("#conf-none")`)
	br.shot("webui-phone-conferences-none")
}
