package admin

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/disk"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// fakeDisks answers the disk calls with canned listings and errors.
type fakeDisks struct {
	mu      sync.Mutex
	applied []config.Disk
	dirs    map[string][]disk.Entry // "n:dir" → listing
	audio   map[int][]disk.Entry
	errs    map[int]error // disk n fails with
	asked   []string
}

func (f *fakeDisks) Apply(disks []config.Disk) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = disks
}

func (f *fakeDisks) Info(n int) disk.Info {
	files, free := 7, int64(3<<30)
	return disk.Info{Number: n, State: disk.StateMounted, AudioFiles: &files, FreeBytes: &free}
}

func (f *fakeDisks) Test(context.Context, config.Disk, string) error { return nil }

func (f *fakeDisks) Warm(context.Context, int) (disk.WarmResult, error) {
	return disk.WarmResult{}, nil
}

func (f *fakeDisks) List(_ context.Context, n int, dir string) ([]disk.Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, fmt.Sprintf("%d:%s", n, dir))
	if err := f.errs[n]; err != nil {
		return nil, err
	}
	l, ok := f.dirs[fmt.Sprintf("%d:%s", n, dir)]
	if !ok {
		return nil, fmt.Errorf("folder %s: %w", dir, fs.ErrNotExist)
	}
	return l, nil
}

func (f *fakeDisks) AudioFiles(_ context.Context, n int) ([]disk.Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.errs[n]; err != nil {
		return nil, err
	}
	return f.audio[n], nil
}

// failing is a prompt source whose server is down.
type failing struct{}

func (failing) Stat(context.Context, string) (fs.FileInfo, error) {
	return nil, fmt.Errorf("%w: network disk 2: connect: connection refused", disk.ErrDown)
}

func (failing) Open(context.Context, string) (io.ReadCloser, error) { return nil, errors.New("down") }

// diskEnv is an env with disks 1 to 3 (3 disabled) on fakeDisks; disk 1's
// files are the folder it returns, mounted in the prompt cache.
func diskEnv(t *testing.T) (*env, as, *fakeDisks, string) {
	f := &fakeDisks{dirs: map[string][]disk.Entry{}, audio: map[int][]disk.Entry{}, errs: map[int]error{}}
	e := newEnv(t, envOpts{disks: f})
	me := e.login()
	for n := 1; n <= 3; n++ {
		e.do(me, "POST", "disks", map[string]any{"number": n, "server": "127.0.0.1", "share": "media", "disabled": n == 3}).
			want(t, http.StatusCreated)
	}
	dir := t.TempDir()
	if err := e.cache.Mount(config.MountPrefix(1), prompt.DirSource(dir)); err != nil {
		t.Fatal(err)
	}
	if err := e.cache.Mount(config.MountPrefix(2), failing{}); err != nil {
		t.Fatal(err)
	}
	return e, me, f, dir
}

func TestDiskFiles(t *testing.T) {
	e, me, f, _ := diskEnv(t)
	mod := time.Date(2025, 3, 12, 8, 0, 0, 0, time.UTC)
	f.dirs["1:"] = []disk.Entry{{Name: "exam", Path: "exam", Dir: true, Modified: mod},
		{Name: "greeting.wav", Path: "greeting.wav", Size: 8044, Modified: mod, Audio: true}}
	f.dirs["1:exam"] = []disk.Entry{{Name: "0001.wav", Path: "exam/0001.wav", Size: 4844, Audio: true}}
	f.errs[2] = fmt.Errorf("%w: network disk 2: read tcp: i/o timeout", disk.ErrDown)

	r := e.do(me, "GET", "disks/1/files?path=", nil).want(t, http.StatusOK)
	var raw []map[string]any
	r.decode(t, &raw)
	if len(raw) != 2 || raw[0]["name"] != "exam" || raw[0]["dir"] != true || raw[1]["path"] != "greeting.wav" ||
		raw[1]["audio"] != true || raw[1]["size"] != 8044.0 || raw[1]["modified"] != "2025-03-12T08:00:00Z" {
		t.Errorf("listing %s", r.body)
	}
	var sub []disk.Entry
	e.do(me, "GET", "disks/1/files?path=exam", nil).want(t, http.StatusOK).decode(t, &sub)
	if len(sub) != 1 || sub[0].Path != "exam/0001.wav" {
		t.Errorf("exam: %+v", sub)
	}
	tests := []struct {
		path string
		code int
		msg  string
	}{
		{"disks/1/files?path=nope", http.StatusNotFound, "nope"},
		{"disks/1/files?path=..", http.StatusBadRequest, ".."},
		{"disks/1/files?path=exam/../..", http.StatusBadRequest, ".."},
		{"disks/1/files?path=/etc", http.StatusBadRequest, "absolute"},
		{"disks/1/files?path=a%5Cb", http.StatusBadRequest, "backslash"},
		{"disks/1/files?path=.git", http.StatusBadRequest, "."},
		{"disks/2/files", http.StatusServiceUnavailable, "i/o timeout"},
		{"disks/4/files", http.StatusNotFound, "no network disk 4"},
		{"disks/9/files", http.StatusNotFound, "1 to 8"},
		{"disks/x/files", http.StatusNotFound, "1 to 8"},
	}
	for _, tt := range tests {
		r := e.do(me, "GET", tt.path, nil)
		if r.code != tt.code || !strings.Contains(r.errorText(t), tt.msg) {
			t.Errorf("GET %s = %d %s; want %d with %q", tt.path, r.code, r.body, tt.code, tt.msg)
		}
	}
	f.errs[1] = fmt.Errorf("%w: 1 is not mounted", disk.ErrNoDisk)
	e.do(me, "GET", "disks/1/files", nil).want(t, http.StatusConflict)
	for _, a := range f.asked {
		if strings.Contains(a, "..") || strings.Contains(a, "/etc") {
			t.Errorf("a bad path reached the disk: %q", a)
		}
	}

	// The status carries the file count and the free space.
	var d map[string]any
	e.do(me, "GET", "disks/1", nil).want(t, http.StatusOK).decode(t, &d)
	st := d["status"].(map[string]any)
	if st["files"] != 7.0 || st["free_bytes"] != float64(3<<30) {
		t.Errorf("status %v", st)
	}
}

func TestDiskFileAudio(t *testing.T) {
	e, me, _, dir := diskEnv(t)
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	write("greeting.wav", toneWAV(600, 500))
	write("exam/0001.wav", toneWAV(800, 300))
	write("bad.wav", []byte("RIFF not really"))
	for path, ms := range map[string]int{"greeting.wav": 500, "greeting": 500, "exam/0001.wav": 300, "exam/0001": 300} {
		r := e.do(me, "GET", "disks/1/files/"+path+"/audio", nil).want(t, http.StatusOK)
		if ct := r.h.Get("Content-Type"); ct != "audio/wav" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		if len(r.body) != 44+2*8*ms || string(r.body[:4]) != "RIFF" || binary.LittleEndian.Uint32(r.body[24:]) != 8000 {
			t.Errorf("%s: %d bytes, want %d", path, len(r.body), 44+2*8*ms)
		}
	}
	tests := []struct {
		path string
		code int
	}{
		{"disks/1/files/missing.wav/audio", http.StatusNotFound},
		{"disks/1/files/greeting.wav", http.StatusNotFound},
		{"disks/1/files/.hidden.wav/audio", http.StatusBadRequest},
		{"disks/1/files/a%5Cb.wav/audio", http.StatusBadRequest},
		{"disks/1/files/%2e%2e/%2e%2e/etc/passwd/audio", http.StatusBadRequest},
		{"disks/1/files/bad.wav/audio", http.StatusUnprocessableEntity},
		{"disks/2/files/x.wav/audio", http.StatusServiceUnavailable},
		{"disks/4/files/x.wav/audio", http.StatusNotFound},
	}
	for _, tt := range tests {
		if r := e.do(me, "GET", tt.path, nil); r.code != tt.code {
			t.Errorf("GET %s = %d %s; want %d", tt.path, r.code, r.body, tt.code)
		}
	}
}

func TestPromptsListDiskFiles(t *testing.T) {
	e, me, f, _ := diskEnv(t)
	mod := time.Date(2025, 3, 12, 8, 0, 0, 0, time.UTC)
	f.audio[1] = []disk.Entry{
		{Name: "notice.mp3", Path: "notice.mp3", Size: 10, Audio: true},
		{Name: "notice.wav", Path: "notice.wav", Size: 20, Modified: mod, Audio: true},
		{Name: "0001.wav", Path: "exam/0001.wav", Size: 30, Audio: true},
	}
	f.audio[3] = []disk.Entry{{Name: "x.wav", Path: "x.wav", Audio: true}} // disabled: not asked
	f.errs[2] = fmt.Errorf("%w: down", disk.ErrDown)
	r := e.do(me, "GET", "prompts", nil).want(t, http.StatusOK)
	var list []map[string]any
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, p := range list {
		if p["disk"] != nil {
			got[p["name"].(string)] = p
		}
	}
	if len(got) != 2 {
		t.Fatalf("disk prompts %v", got)
	}
	n := got["/tmp/media/networkdisk1/notice"]
	if n["disk"] != 1.0 || n["file"] != "notice.wav" || n["size"] != 20.0 || n["modified"] != "2025-03-12T08:00:00Z" || n["duration_ms"] != nil {
		t.Errorf("notice = %v", n)
	}
	if x := got["/tmp/media/networkdisk1/exam/0001"]; x["file"] != "exam/0001.wav" {
		t.Errorf("exam/0001 = %v", x)
	}
	if !strings.Contains(string(r.body), `"name":"notice","builtin":true`) {
		t.Error("the built-in prompts are missing")
	}
}

// TestPromptsNoDisks: a box without network disks lists its prompts as
// before, without "disk" fields.
func TestPromptsNoDisks(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	r := e.do(me, "GET", "prompts", nil).want(t, http.StatusOK)
	if strings.Contains(string(r.body), `"disk"`) {
		t.Errorf("disk prompts on a box without disks: %s", r.body)
	}
	e.do(me, "GET", "disks/1/files", nil).want(t, http.StatusNotImplemented)
	e.do(me, "GET", "disks/1/files/a.wav/audio", nil).want(t, http.StatusNotImplemented)
}
