package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebUIBlocks: a source that guessed an account's password 10 times
// and the account are shown on the System page, and the page lifts both.
func TestWebUIBlocks(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{config: fmt.Sprintf(guardConfig, "")})
	adm := admin(t, b)
	adm.must("POST", "accounts", account("1000"), http.StatusCreated, nil)
	guesser := newRegClient(t, b, "127.0.0.6")
	chal := guesser.challenge(t)
	for nc := 1; nc <= 10; nc++ {
		if code := guesser.do(t, guesser.register(chal, "guess", nc), 5*time.Second); code != 403 {
			t.Fatalf("guess %d: %d, want 403", nc, code)
		}
	}
	br := newBrowser(t, b, 1280, 900, false)
	br.login("board test password")
	br.untilText("#main h1", "Dashboard")
	br.route("system", "System")
	br.untilText("#blocks-list", "127.0.0.6")
	br.untilText("#blocks-list", "account 1000")
	br.untilText("#blocks-list", "Wrong passwords")
	br.shot("webui-blocks")
	for left := 1; left >= 0; left-- {
		br.do("lift (click twice: confirm)", chromedp.Click(chromedp.CSS("#blocks-list tbody button.danger")),
			chromedp.Click(chromedp.CSS("#blocks-list tbody button.danger")))
		br.until(fmt.Sprintf("%d blocks left", left), 15*time.Second,
			fmt.Sprintf("document.querySelectorAll('#blocks-list tbody button.danger').length === %d", left))
	}
	br.untilText("#blocks-list", "Nothing is blocked.")
	if code := guesser.do(t, guesser.register(guesser.challenge(t), "acct-1000", 1), 5*time.Second); code != 200 {
		t.Errorf("the right password after the lifts: %d, want 200", code)
	}
}
