package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ivrbox/ivrbox/media/tone"
)

// TestWebUIPromptTracking: the prompt list says which IVRs play each
// prompt, and deleting one an IVR plays names it before it goes; a
// misspelt prompt in the IVR editor is flagged, and so is the saved IVR in
// the list; uploading over an existing name asks first; the IVR list tells
// each IVR's flow and what leads into it.
func TestWebUIPromptTracking(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()

	br.route("prompts", "Prompts")
	row := "#prompt-list tr[data-name='password']"
	br.until("the prompt list", 10*time.Second, `document.querySelector("`+row+` td.used a")`)
	br.untilText(row+" td.used", "6501")
	br.do("delete (first click)", chromedp.Click(chromedp.CSS(row+" button.delete")))
	br.untilText(row+" button.delete", "IVR 6501 plays it: delete anyway?")
	br.shot("webui-prompt-delete-used")
	br.do("listen", chromedp.Click(chromedp.CSS(row+" button.listen")))
	br.until("the player", 5*time.Second, `document.querySelector("`+row+` audio")`)
	if !js[bool](br, `!!document.querySelector("`+row+` button.delete")`) {
		t.Error("Listen hid Delete")
	}

	// Upload over an existing name: asked, then done.
	wav := filepath.Join(t.TempDir(), "notice.wav")
	if err := os.WriteFile(wav, tone.WAV(tone.Sine([]float64{1400}, 300, 0.4)), 0o644); err != nil {
		t.Fatal(err)
	}
	br.do("upload notice.wav", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{wav}),
		chromedp.Click(chromedp.ID("upload-btn")))
	br.untilText("#upload-msg", "A prompt named “notice” exists already")
	br.untilText("#upload-btn", "Replace it")
	br.do("replace", chromedp.Click(chromedp.ID("upload-btn")))
	br.untilText("#upload-msg", "Uploaded")

	// A misspelt prompt is flagged in the editor and, once saved, in the list.
	br.route("ivrs/6502", "IVR 6502")
	br.until("the prompt list", 10*time.Second, `document.querySelector("#pl-prompts li")`)
	br.do("add a misspelt prompt", chromedp.SendKeys(chromedp.CSS("#pl-prompts input.pick"), "noitce"),
		chromedp.Click(chromedp.CSS("#pl-prompts button.add")))
	br.until("the warning", 5*time.Second, `[...document.querySelectorAll("#pl-prompts li[data-name='noitce'] .warn")].some(w => !w.hidden)`)
	br.do("save", chromedp.Click(chromedp.ID("ivr-save")))
	br.untilText("#save-msg", "IVR 6502 saved")
	br.route("ivrs", "IVRs")
	br.untilText("#ivr-list tr[data-number='6502']", "1 missing prompt(s)")
	br.untilText("#ivr-list tr[data-number='6501'] td.flow", "No key:")
	br.untilText("#ivr-list tr[data-number='6501'] td.from", "IVR 6500")
	br.shot("webui-ivr-flow")
}
