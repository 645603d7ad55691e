package e2e

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/tone"
)

// upload posts a prompt file through the admin API.
func (c *adminClient) upload(name string, wav []byte) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("name", name)
	fw, _ := mw.CreateFormFile("file", name+".wav")
	_, _ = fw.Write(wav)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.base+"prompts", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		c.t.Fatalf("upload %s: %d", name, res.StatusCode)
	}
}

// localPrompts lists the uploaded (not built-in) prompt names of a box.
func (c *adminClient) localPrompts() []string {
	var list []struct {
		Name    string `json:"name"`
		Builtin bool   `json:"builtin"`
	}
	c.must("GET", "prompts", nil, http.StatusOK, &list)
	var out []string
	for _, p := range list {
		if !p.Builtin {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

// `ivrbox fleet push` makes one box identical to another, prompts
// included: the target gets the source's IVRs and prompt files, loses the
// prompts the source lacks, keeps its own serial, and its callers hear the
// pushed prompt. The admin action (POST fleet/push) does the same.
func TestFleetPush(t *testing.T) {
	t.Parallel()
	src := startBox(t, boxOpts{tones: true})
	dst := startBox(t, boxOpts{tones: true})
	sa, da := admin(t, src), admin(t, dst)
	sa.upload("welcome", tone.WAV(tone.Sine([]float64{toneOf["ok"]}, 800, 0.4)))
	sa.must("POST", "ivrs", map[string]any{"number": "6600", "prompts": []string{"welcome"}, "repeat": 20,
		"timeout": map[string]string{"type": "hangup"}}, http.StatusCreated, nil)
	da.upload("old", tone.WAV(tone.Sine([]float64{toneOf["music"]}, 400, 0.4)))
	var before struct {
		SN string `json:"sn"`
	}
	da.must("GET", "system", nil, http.StatusOK, &before)

	cmd := exec.Command(ivrboxBin(t), "fleet", "push",
		"-from", fmt.Sprintf("http://127.0.0.1:%d", src.httpPort), "-to", fmt.Sprintf("http://127.0.0.1:%d", dst.httpPort))
	cmd.Env = append(os.Environ(), "IVRBOX_FROM_TOKEN="+sa.token, "IVRBOX_TO_TOKEN="+da.token)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fleet push: %v\n%s", err, out)
	}
	want := sa.localPrompts() // the tone prompts and welcome
	if !bytes.Contains(out, fmt.Appendf(nil, "%d prompt files", len(want))) {
		t.Errorf("fleet push said %q", out)
	}
	if got := da.localPrompts(); !slices.Equal(got, want) || slices.Contains(got, "old") {
		t.Fatalf("target's prompts after the push: %v, want %v", got, want)
	}
	var after struct {
		SN string `json:"sn"`
	}
	da.must("GET", "system", nil, http.StatusOK, &after)
	if after.SN != before.SN || after.SN == "" {
		t.Errorf("the target's serial went from %q to %q", before.SN, after.SN)
	}
	p := newPeer(t, 0)
	r := sipp(t, dst, "6600", new(scenario).invite(false).answered(false).pause(1500*time.Millisecond).bye(), p, "udp")
	r.wait(t)
	if !slices.Contains(p.heard(), "ok") {
		t.Errorf("a caller of the target heard %v, want the pushed prompt's tone", p.heard())
	}

	// The admin action: a bad URL is refused, a good one pushes again.
	code, _, _ := sa.do("POST", "fleet/push", map[string]string{"url": "ftp://box", "token": da.token})
	if code != http.StatusUnprocessableEntity {
		t.Errorf("POST fleet/push with an ftp URL: %d, want 422", code)
	}
	da.upload("extra", tone.WAV(tone.Sine([]float64{toneOf["music"]}, 400, 0.4)))
	var res struct {
		Prompts int `json:"prompts"`
	}
	sa.must("POST", "fleet/push", map[string]string{"url": fmt.Sprintf("http://127.0.0.1:%d", dst.httpPort), "token": da.token},
		http.StatusOK, &res)
	if got := da.localPrompts(); res.Prompts != len(want) || !slices.Equal(got, want) {
		t.Fatalf("after POST fleet/push: %d prompts pushed, target has %v", res.Prompts, got)
	}
	code, _, _ = da.do("PUT", "fleet/bundle", "not a bundle")
	if code != http.StatusBadRequest {
		t.Errorf("PUT fleet/bundle with JSON: %d, want 400", code)
	}
}
