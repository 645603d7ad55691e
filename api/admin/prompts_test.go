package admin

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/tone"
)

// toneWAV is ms of a sine at freq as an 8 kHz WAV file.
func toneWAV(freq float64, ms int) []byte { return tone.WAV(tone.Sine([]float64{freq}, ms, 0.4)) }

func TestUploadListPlayReplace(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	ctx := context.Background()

	// A new prompt: listed, playable, and what the cache gives calls.
	var p promptJSON
	e.do(me, "POST", "prompts", multipartForm(t, "file", "Greeting.WAV", toneWAV(600, 700), map[string]string{"name": "greeting"})).
		want(t, http.StatusCreated).decode(t, &p)
	if p.Name != "greeting" || p.File != "greeting.wav" || p.Builtin || p.DurationMS != 700 || p.Modified.IsZero() {
		t.Errorf("upload answer = %+v", p)
	}
	var list []promptJSON
	e.do(me, "GET", "prompts", nil).want(t, http.StatusOK).decode(t, &list)
	byName := map[string]promptJSON{}
	for _, q := range list {
		byName[q.Name] = q
	}
	if q := byName["greeting"]; q.Builtin || q.DurationMS != 700 || q.Size != int64(len(toneWAV(600, 700))) {
		t.Errorf("listed greeting = %+v", q)
	}
	if q := byName["notice"]; !q.Builtin || q.File != "notice.wav" || q.DurationMS < 500 || !q.Modified.IsZero() {
		t.Errorf("listed notice = %+v", q)
	}
	if q := byName["digits/5"]; !q.Builtin {
		t.Errorf("listed digits/5 = %+v", q)
	}
	r := e.do(me, "GET", "prompts/greeting/audio", nil).want(t, http.StatusOK)
	pcm := parseWAV(t, r.body)
	if r.h.Get("Content-Type") != "audio/wav" || len(pcm) != 5600 {
		t.Errorf("audio: %s, %d samples", r.h.Get("Content-Type"), len(pcm))
	}
	if f, _ := tone.Dominant(pcm, []float64{400, 600, 1000}); f != 600 {
		t.Errorf("audio is %v Hz, want 600", f)
	}
	au, err := e.cache.Get(ctx, "greeting")
	if err != nil || au.Duration().Milliseconds() != 700 {
		t.Fatalf("cache Get = %v, %v", au, err)
	}

	// Replacing: the cache (revalidating only every hour) gives the new audio at once.
	e.do(me, "POST", "prompts", multipartForm(t, "file", "greeting.wav", toneWAV(1000, 300), nil)).
		want(t, http.StatusCreated)
	if au, _ := e.cache.Get(ctx, "greeting"); au.Duration().Milliseconds() != 300 {
		t.Errorf("after re-upload the cache gives %v of audio, want 300ms", au.Duration())
	}
	// An MP3 under the same name replaces the WAV (which a lookup would pick first).
	mp3, err := os.ReadFile(filepath.Join("testdata", "tone1k.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	e.do(me, "POST", "prompts", multipartForm(t, "file", "whatever.mp3", mp3, map[string]string{"name": "greeting"})).
		want(t, http.StatusCreated).decode(t, &p)
	if p.File != "greeting.mp3" {
		t.Errorf("mp3 stored as %q", p.File)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "prompts", "greeting.wav")); !os.IsNotExist(err) {
		t.Errorf("old greeting.wav left: %v", err)
	}
	if au, _ := e.cache.Get(ctx, "greeting"); au.Name != "greeting.mp3" {
		t.Errorf("cache plays %q", au.Name)
	}

	// A local file overrides a built-in; deleting it brings the built-in back.
	e.do(me, "POST", "prompts", multipartForm(t, "file", "notice.wav", toneWAV(400, 200), nil)).want(t, http.StatusCreated)
	if au, _ := e.cache.Get(ctx, "notice"); au.Name != "notice.wav" || au.Duration().Milliseconds() != 200 {
		t.Errorf("override: cache plays %q (%v)", au.Name, au.Duration())
	}
	e.do(me, "GET", "prompts/notice", nil).want(t, http.StatusOK).decode(t, &p)
	if p.Builtin || p.DurationMS != 200 {
		t.Errorf("overridden notice = %+v", p)
	}
	e.do(me, "DELETE", "prompts/notice", nil).want(t, http.StatusNoContent)
	if au, _ := e.cache.Get(ctx, "notice"); au.Name != "builtin:notice.wav" {
		t.Errorf("after delete the cache plays %q", au.Name)
	}
	r = e.do(me, "DELETE", "prompts/notice", nil).want(t, http.StatusForbidden)
	if !strings.Contains(r.errorText(t), "built-in") {
		t.Errorf("403 message %q", r.errorText(t))
	}
	e.do(me, "DELETE", "prompts/nothing-here", nil).want(t, http.StatusNotFound)
	e.do(me, "GET", "prompts/nothing-here/audio", nil).want(t, http.StatusNotFound)
	e.do(me, "GET", "prompts/nothing-here", nil).want(t, http.StatusNotFound)

	// Built-ins play too, and a subfolder name works.
	parseWAV(t, e.do(me, "GET", "prompts/digits/5/audio", nil).want(t, http.StatusOK).body)
	e.do(me, "POST", "prompts", multipartForm(t, "file", "x.wav", toneWAV(600, 100), map[string]string{"name": "digits/5"})).
		want(t, http.StatusCreated)
	if au, _ := e.cache.Get(ctx, "digits/5"); au.Name != "digits/5.wav" {
		t.Errorf("digits/5 plays %q", au.Name)
	}
}

// parseWAV checks the 8 kHz 16-bit mono header and returns the samples.
func parseWAV(t *testing.T, b []byte) []int16 {
	t.Helper()
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " ||
		binary.LittleEndian.Uint32(b[24:]) != 8000 || binary.LittleEndian.Uint16(b[34:]) != 16 ||
		int(binary.LittleEndian.Uint32(b[40:])) != len(b)-44 {
		t.Fatalf("not an 8 kHz 16-bit WAV: % x", b[:min(len(b), 44)])
	}
	pcm, err := prompt.Decode("x.wav", b, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

func TestUploadRefusesBadNames(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	outside := filepath.Join(e.dir, "x.wav")
	for _, name := range []string{
		"../x", "/etc/passwd", "a\x00b", `..\x`, "a/../../x", "digits/../../x", ".hidden", "a//b", "a/", "./x",
		"${EXTEN}", "", strings.Repeat("a", 201),
	} {
		filename := name
		if name == "" {
			filename = ".wav"
		}
		r := e.do(me, "POST", "prompts", multipartForm(t, "file", "ok.wav", toneWAV(600, 100), map[string]string{"name": name}))
		if name == "" {
			r = e.do(me, "POST", "prompts", multipartForm(t, "file", filename, toneWAV(600, 100), nil))
		}
		r.want(t, http.StatusBadRequest)
		if msg := r.errorText(t); !strings.Contains(msg, "refused") {
			t.Errorf("name %q: message %q", name, msg)
		}
	}
	// A file name with folders is reduced to its last element (mime/multipart
	// does so): it lands inside the folder.
	var p promptJSON
	e.do(me, "POST", "prompts", multipartForm(t, "file", "../x.wav", toneWAV(600, 100), nil)).
		want(t, http.StatusCreated).decode(t, &p)
	if p.Name != "x" {
		t.Errorf("stored as %q", p.Name)
	}
	if _, err := os.Stat(outside); !os.IsNotExist(err) {
		t.Fatalf("a file was written outside the prompt folder: %v", err)
	}
	// Paths in the URL cannot leave the folder either.
	secret := filepath.Join(e.dir, "secret.wav")
	if err := os.WriteFile(secret, toneWAV(400, 100), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"prompts/" + url.PathEscape("../secret") + "/audio", "prompts/%2e%2e%2fsecret/audio", "prompts/..%5csecret/audio",
		"prompts/" + url.PathEscape(secret[:len(secret)-4]) + "/audio", "prompts/a%00b/audio",
	} {
		if r := e.do(me, "GET", p, nil); r.code < 300 {
			t.Errorf("GET %s = %d", p, r.code)
		}
		if r := e.do(me, "DELETE", strings.TrimSuffix(p, "/audio"), nil); r.code < 300 {
			t.Errorf("DELETE %s = %d", p, r.code)
		}
	}
	if _, err := os.Stat(secret); err != nil {
		t.Errorf("file outside the folder: %v", err)
	}
	// A symlink out of the folder is not followed.
	if err := os.Symlink(secret, filepath.Join(e.dir, "prompts", "link.wav")); err != nil {
		t.Fatal(err)
	}
	if r := e.do(me, "GET", "prompts/link/audio", nil); r.code == http.StatusOK {
		t.Error("a symlink out of the prompt folder was played")
	}
}

func TestUploadRefusesBadFiles(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	big := append(toneWAV(600, 100), bytes.Repeat([]byte{0}, maxUpload)...)
	r := e.do(me, "POST", "prompts", multipartForm(t, "file", "big.wav", big, nil)).want(t, http.StatusRequestEntityTooLarge)
	if msg := r.errorText(t); !strings.Contains(msg, "too large") || !strings.Contains(msg, "20 MiB") {
		t.Errorf("413 message %q", msg)
	}
	for _, f := range []struct{ name, data string }{
		{"notes.wav", "hello, this is not audio"},
		{"notes.txt", "hello, this is not audio"},
		{"page.mp3", "<html><body>hi</body></html>"},
		{"broken.wav", "RIFF\x10\x00\x00\x00WAVEjunk"},
	} {
		r := e.do(me, "POST", "prompts", multipartForm(t, "file", f.name, []byte(f.data), nil)).
			want(t, http.StatusUnsupportedMediaType)
		if msg := r.errorText(t); !strings.Contains(msg, "not audio") {
			t.Errorf("%s: message %q", f.name, msg)
		}
	}
	e.do(me, "POST", "prompts", `{"file": "x"}`).want(t, http.StatusBadRequest)
	r = e.do(me, "POST", "prompts", multipartForm(t, "other", "x.wav", toneWAV(600, 100), nil)).want(t, http.StatusBadRequest)
	if !strings.Contains(r.errorText(t), `"file"`) {
		t.Errorf("message %q", r.errorText(t))
	}
	entries, _ := os.ReadDir(filepath.Join(e.dir, "prompts"))
	if len(entries) != 0 {
		t.Errorf("refused uploads left files: %v", entries)
	}
}

func TestCheckPromptName(t *testing.T) {
	for _, ok := range []string{"notice", "digits/5", "Überraschung", "a b", "my-prompt_2"} {
		if err := checkPromptName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
}

// TestUploadReplaceZero: with replace=0 an upload refuses a name in use
// (built-in or uploaded) with 409 prompt.exists and stores nothing; without
// it, or with replace=1, it replaces as before.
func TestUploadReplaceZero(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	no := map[string]string{"replace": "0"}
	r := e.do(me, "POST", "prompts", multipartForm(t, "file", "notice.wav", toneWAV(400, 100), no)).want(t, http.StatusConflict)
	if !bytes.Contains(r.body, []byte(`"code":"prompt.exists"`)) || !bytes.Contains(r.body, []byte(`"builtin":true`)) {
		t.Errorf("built-in name: %s", r.body)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "prompts", "notice.wav")); err == nil {
		t.Error("the refused upload was stored")
	}
	e.do(me, "POST", "prompts", multipartForm(t, "file", "fresh.wav", toneWAV(400, 100), no)).want(t, http.StatusCreated)
	r = e.do(me, "POST", "prompts", multipartForm(t, "file", "fresh.wav", toneWAV(500, 100), no)).want(t, http.StatusConflict)
	if !bytes.Contains(r.body, []byte(`"builtin":false`)) {
		t.Errorf("uploaded name: %s", r.body)
	}
	e.do(me, "POST", "prompts", multipartForm(t, "file", "fresh.wav", toneWAV(500, 100), map[string]string{"replace": "1"})).
		want(t, http.StatusCreated)
	e.do(me, "POST", "prompts", multipartForm(t, "file", "notice.wav", toneWAV(400, 100), nil)).want(t, http.StatusCreated)
}
