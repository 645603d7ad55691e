package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// zhOnly fails the test if the text of sel is not Chinese: it must hold
// Chinese characters and no English phrase (two English words in a row; a
// file name, a number or a code such as IVR is fine).
func (br *browser) zhOnly(what, sel string) {
	br.t.Helper()
	text := js[string](br, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ''`, sel))
	if ok := js[bool](br, fmt.Sprintf(`(s => /[\u4e00-\u9fff]/.test(s) && !/[A-Za-z]{2,}[ ,.:;'’-]+[A-Za-z]{2,}/.test(s.replace(/[\w.-]+\.(wav|mp3)/g, '')))(%q)`, text)); !ok {
		br.t.Errorf("%s in Chinese shows English: %q", what, text)
	}
}

// TestWebUIChineseMessages: in Chinese, the errors the page provokes
// speak Chinese: letters in a number field, a duplicate IVR number (the
// box's code translated), deleting a used prompt, a file that is not audio;
// and a refused call is in the call records with its cause in words.
func TestWebUIChineseMessages(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	sipp(t, b, "6999", new(scenario).invite(false).refused(404), nil, "udp").wait(t)
	br.do("switch to Chinese", chromedp.Click(chromedp.ID("lang")))
	br.untilText("#main h1", "仪表盘")

	br.route("ivrs/6501", "IVR 6501")
	br.until("the form", 10*time.Second, `document.querySelector("#f-wait")`)
	br.fill("#f-wait", "1e")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "未保存")
	br.zhOnly("the refused save", "#save-msg")
	br.zhOnly("the number field's problem", "#f-wait + .hint + .err")

	br.leaveUnsaved("ivrs/new", "新建 IVR")
	br.until("the new IVR form", 10*time.Second, `document.querySelector("#f-number")`)
	br.fill("#f-number", "6500")
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.until("a message", 10*time.Second, `document.querySelector("#save-msg").textContent !== ""`)
	br.shot("webui-zh-duplicate")
	br.zhOnly("the duplicate IVR number", "#save-msg")
	br.zhOnly("the duplicate IVR number at its field", "#f-number + .hint + .err")
	br.do("drop the new IVR", chromedp.Evaluate[chromedp.Void](`cleanForm(), location.hash = "#/prompts"`))

	br.untilText("#main h1", "语音")
	row := "#prompt-list tr[data-name='password']"
	br.until("the prompt list", 10*time.Second, `document.querySelector("`+row+` button.delete")`)
	br.do("delete (first click)", chromedp.Click(chromedp.CSS(row+" button.delete")))
	br.untilText(row+" button.delete", "6501")
	br.zhOnly("deleting a used prompt", row+" button.delete")
	txt := filepath.Join(t.TempDir(), "notes.wav")
	if err := os.WriteFile(txt, []byte("these are notes, not audio\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	br.do("upload text", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{txt}), chromedp.Click(chromedp.ID("upload-btn")))
	br.until("the upload's message", 10*time.Second, `document.querySelector("#upload-msg").textContent !== ""`)
	br.zhOnly("a file that is not audio", "#upload-msg")

	br.route("records", "通话记录")
	br.until("the refused call", 10*time.Second, `document.querySelector("#record-list tr.refused")`)
	br.untilText("#record-list tr.refused", "6999")
	br.zhOnly("the refused call's cause", "#record-list tr.refused td.cause")
	br.shot("webui-zh-records")
	br.do("only refused calls", chromedp.Evaluate[chromedp.Void](`document.querySelector("#rec-refused").value = "1"`),
		chromedp.Click(chromedp.ID("rec-apply")))
	br.until("the filter", 10*time.Second, `document.querySelectorAll("#record-list tr[data-id]").length === 1 &&
		document.querySelector("#rec-csv").href.includes("refused=1")`)
}
