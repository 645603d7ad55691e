package prompt

// The one skip in this file is a file system without symlinks, not a
// missing tool: CI=true does not make it fail.

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ivrbox/ivrbox/media/prompt/builtin"
	"github.com/ivrbox/ivrbox/media/tone"
)

const disk1 = "/tmp/media/networkdisk1" // the network disk prefix of the PBX seed

var toneHz = []float64{300, 500, 700, 900, 1100, 1300}

// toneWAV returns a WAV file of ms milliseconds of freq Hz.
func toneWAV(freq float64, ms int) []byte {
	return tone.WAV(tone.Sine([]float64{freq}, ms, 0.5))
}

// writeTone writes a tone WAV to dir/name.
func writeTone(t *testing.T, dir, name string, freq float64, ms int) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, toneWAV(freq, ms), 0o644); err != nil {
		t.Fatal(err)
	}
}

// freqOf returns the dominant frequency of a.
func freqOf(t *testing.T, a *Audio) float64 {
	t.Helper()
	f, r := tone.Dominant(a.PCM, toneHz)
	if r < 0.9 {
		t.Fatalf("%s: no clean tone (%v Hz, ratio %.2f)", a.Name, f, r)
	}
	return f
}

func mustGet(t *testing.T, c *Cache, name string) *Audio {
	t.Helper()
	a, err := c.Get(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// fakeSource is a Source over a MapFS that can fail, block and count.
type fakeSource struct {
	files fstest.MapFS
	opens atomic.Int32
	gate  chan struct{} // if set, Open waits for it to close

	mu   sync.Mutex
	fail error // if set, every call fails with it
}

func (s *fakeSource) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fail
}

func (s *fakeSource) setFail(err error) {
	s.mu.Lock()
	s.fail = err
	s.mu.Unlock()
}

func (s *fakeSource) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return fs.Stat(s.files, name)
}

func (s *fakeSource) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	s.opens.Add(1)
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.files.Open(name)
}

var _ Source = (*fakeSource)(nil)

func TestCacheResolution(t *testing.T) {
	dir := t.TempDir()
	writeTone(t, dir, "notice.wav", 500, 200)
	writeTone(t, dir, "digits/5.wav", 900, 200)
	writeTone(t, dir, "both.wav", 300, 200)
	if err := os.WriteFile(filepath.Join(dir, "both.ulaw"), make([]byte, 800), 0o644); err != nil {
		t.Fatal(err)
	}
	sln := pcm16(tone.Sine([]float64{1100}, 200, 0.5))
	if err := os.WriteFile(filepath.Join(dir, "raw.sln"), sln, 0o644); err != nil {
		t.Fatal(err)
	}
	disk := &fakeSource{files: fstest.MapFS{
		"notice.wav":      {Data: toneWAV(700, 200)},
		"13800138000.wav": {Data: toneWAV(1300, 200)},
	}}
	c := New(Options{Dir: dir, Mounts: map[string]Source{disk1: disk}})
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		wantFile string
		wantHz   float64 // 0: do not check
	}{
		{"notice", "notice.wav", 500},                   // the local folder before the built-ins
		{"notice.wav", "notice.wav", 500},               // an extension is used as is
		{"digits/5", "digits/5.wav", 900},               // subfolders
		{"digits/4", "builtin:digits/4.wav", 0},         // falls back to the built-ins
		{"confirm", "builtin:confirm.wav", 0},           //
		{"both", "both.wav", 300},                       // .wav before .ulaw
		{"raw", "raw.sln", 1100},                        // any extension in the list
		{"./digits//5", "digits/5.wav", 900},            // cleaned
		{disk1 + "/notice", disk1 + "/notice.wav", 700}, // a mounted disk
		{Expand(disk1+"/${EXTEN}", func(string) string { return "13800138000" }), disk1 + "/13800138000.wav", 1300},
		{filepath.ToSlash(abs) + "/notice", "notice.wav", 500}, // the folder by its absolute path
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustGet(t, c, tt.name)
			if a.Name != tt.wantFile {
				t.Fatalf("Name = %q, want %q", a.Name, tt.wantFile)
			}
			if tt.wantHz != 0 && freqOf(t, a) != tt.wantHz {
				t.Fatalf("plays %v Hz, want %v", freqOf(t, a), tt.wantHz)
			}
		})
	}
}

func TestCacheErrors(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	writeTone(t, outside, "secret.wav", 500, 200)
	if err := os.Symlink(filepath.Join(outside, "secret.wav"), filepath.Join(dir, "link.wav")); err != nil {
		t.Skip("no symlinks:", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.wav"), []byte("RIFF\x04\x00\x00\x00WAVE"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeTone(t, dir, "big.wav", 500, 1000)
	c := New(Options{Dir: dir, MaxFileBytes: 10000})
	tests := []struct {
		name string
		want error // nil: any error
		msg  string
	}{
		{"missing", ErrNotFound, `"missing": prompt not found (looked in dir, builtin for missing.wav missing.ulaw`},
		{"../" + filepath.Base(outside) + "/secret", ErrBadName, `contains ".."`},
		{filepath.ToSlash(outside) + "/secret", ErrNotFound, "no prompt folder or disk is mounted at"},
		{"/etc/passwd", ErrNotFound, "mounted at /etc"},
		{disk1 + "/notice", ErrNotFound, "mounted at " + disk1},
		{"a\x00b", ErrBadName, "control character"},
		{"", ErrBadName, "empty"},
		{"link", nil, "link.wav"}, // a symbolic link out of the folder
		{"bad", ErrCorrupt, `"bad": bad.wav: wav: corrupt audio file: no fmt chunk`},
		{"big", ErrTooLong, "the limit is 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := c.Get(context.Background(), tt.name)
			if err == nil {
				t.Fatalf("Get = %s, want an error", a.Name)
			}
			if (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
	if s := c.Stats(); s.Entries != 0 || s.Bytes != 0 {
		t.Fatalf("failed loads are kept: %+v", s)
	}
}

func TestCacheReload(t *testing.T) {
	dir := t.TempDir()
	writeTone(t, dir, "notice.wav", 500, 200)
	c := New(Options{Dir: dir})
	a := mustGet(t, c, "notice")
	if b := mustGet(t, c, "notice"); b != a {
		t.Fatal("second Get decoded again")
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 1 || s.Entries != 1 || s.Bytes != 4*1600 {
		t.Fatalf("stats %+v", s)
	}
	// The same size, a new modification time: decoded again.
	writeTone(t, dir, "notice.wav", 700, 200)
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(dir, "notice.wav"), later, later); err != nil {
		t.Fatal(err)
	}
	b := mustGet(t, c, "notice")
	if b == a || freqOf(t, b) != 700 {
		t.Fatal("changed file not re-read")
	}
	if s := c.Stats(); s.Misses != 2 || s.Entries != 1 || s.Bytes != 4*1600 {
		t.Fatalf("stats %+v", s)
	}
	// A wav appearing beside a built-in takes over.
	if a := mustGet(t, c, "confirm"); !strings.HasPrefix(a.Name, "builtin:") {
		t.Fatal(a.Name)
	}
	writeTone(t, dir, "confirm.wav", 900, 200)
	if a := mustGet(t, c, "confirm"); freqOf(t, a) != 900 {
		t.Fatal("local confirm.wav not used")
	}
	// Deleted: gone, not served from memory; notice falls back to the built-in.
	writeTone(t, dir, "hello.wav", 500, 200)
	mustGet(t, c, "hello")
	for _, n := range []string{"notice.wav", "hello.wav"} {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Get(context.Background(), "hello"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted file: %v", err)
	}
	if a := mustGet(t, c, "notice"); a.Name != "builtin:notice.wav" {
		t.Fatalf("deleted notice.wav: got %s", a.Name)
	}
}

func TestCacheRevalidate(t *testing.T) {
	dir := t.TempDir()
	writeTone(t, dir, "notice.wav", 500, 200)
	c := New(Options{Dir: dir, Revalidate: time.Minute})
	now := time.Now()
	c.now = func() time.Time { return now }
	a := mustGet(t, c, "notice")
	writeTone(t, dir, "notice.wav", 700, 300)
	if b := mustGet(t, c, "notice"); b != a {
		t.Fatal("file looked at again within the revalidation period")
	}
	now = now.Add(time.Minute)
	if b := mustGet(t, c, "notice"); freqOf(t, b) != 700 {
		t.Fatal("file not looked at after the revalidation period")
	}
	writeTone(t, dir, "notice.wav", 900, 400)
	c.Expire()
	if b := mustGet(t, c, "notice"); freqOf(t, b) != 900 {
		t.Fatal("file not looked at after Expire")
	}
	allocs := testing.AllocsPerRun(100, func() { mustGet(t, c, "notice") })
	if allocs != 0 {
		t.Fatalf("a hit within the revalidation period allocates %v times", allocs)
	}
}

func TestCacheLRU(t *testing.T) {
	dir := t.TempDir()
	for i, n := range []string{"a", "b", "c"} {
		writeTone(t, dir, n+".wav", toneHz[i], 1000) // 8000 samples, 32000 bytes
	}
	c := New(Options{Dir: dir, MaxBytes: 70000}) // room for two
	mustGet(t, c, "a")
	mustGet(t, c, "b")
	mustGet(t, c, "a") // a is now more recent than b
	mustGet(t, c, "c") // evicts b
	s := c.Stats()
	if s.Entries != 2 || s.Bytes != 64000 || s.Misses != 3 {
		t.Fatalf("stats %+v", s)
	}
	mustGet(t, c, "a")
	mustGet(t, c, "c")
	if s := c.Stats(); s.Misses != 3 {
		t.Fatalf("a or c was evicted: %+v", s)
	}
	mustGet(t, c, "b")
	if s := c.Stats(); s.Misses != 4 || s.Entries != 2 {
		t.Fatalf("b was not evicted: %+v", s)
	}
	// Built-ins are pinned and not counted.
	mustGet(t, c, "music")
	mustGet(t, c, "digits/1")
	s = c.Stats()
	if s.Entries != 4 || s.Bytes != 64000 || s.PinnedBytes < 4*80000 {
		t.Fatalf("stats %+v", s)
	}
	// A prompt larger than the budget is returned but not kept.
	small := New(Options{Dir: dir, MaxBytes: 1000})
	if a := mustGet(t, small, "a"); len(a.PCM) != 8000 {
		t.Fatal("not decoded")
	}
	if s := small.Stats(); s.Entries != 0 || s.Bytes != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestCacheSingleflight(t *testing.T) {
	disk := &fakeSource{files: fstest.MapFS{"notice.wav": {Data: toneWAV(500, 200)}}, gate: make(chan struct{})}
	c := New(Options{Mounts: map[string]Source{disk1: disk}})
	const n = 8
	got := make(chan *Audio, n)
	for range n {
		go func() {
			a, err := c.Get(context.Background(), disk1+"/notice")
			if err != nil {
				t.Error(err)
			}
			got <- a
		}()
	}
	for disk.opens.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others queue up behind the first
	close(disk.gate)
	first := <-got
	for range n - 1 {
		if a := <-got; a != first {
			t.Fatal("different audio for the same file")
		}
	}
	if o := disk.opens.Load(); o != 1 {
		t.Fatalf("file opened %d times", o)
	}
}

func TestCacheWaiterContext(t *testing.T) {
	disk := &fakeSource{files: fstest.MapFS{"notice.wav": {Data: toneWAV(500, 200)}}, gate: make(chan struct{})}
	c := New(Options{Mounts: map[string]Source{disk1: disk}})
	loaderCtx, cancelLoader := context.WithCancel(context.Background())
	loaderErr := make(chan error, 1)
	go func() {
		_, err := c.Get(loaderCtx, disk1+"/notice")
		loaderErr <- err
	}()
	for disk.opens.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// A waiter whose context ends gives up.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, disk1+"/notice"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter: %v", err)
	}
	// A waiter whose loader gives up loads the file itself.
	waiter := make(chan *Audio, 1)
	go func() {
		a, err := c.Get(context.Background(), disk1+"/notice")
		if err != nil {
			t.Error(err)
		}
		waiter <- a
	}()
	time.Sleep(10 * time.Millisecond)
	cancelLoader()
	if err := <-loaderErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("loader: %v", err)
	}
	close(disk.gate)
	select {
	case a := <-waiter:
		if a == nil || freqOf(t, a) != 500 {
			t.Fatal("waiter got no audio")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waiter stuck")
	}
}

func TestCacheDiskDown(t *testing.T) {
	disk := &fakeSource{files: fstest.MapFS{"notice.wav": {Data: toneWAV(500, 200)}}}
	c := New(Options{Mounts: map[string]Source{disk1: disk}})
	a := mustGet(t, c, disk1+"/notice")
	disk.setFail(errors.New("smb: connection reset"))
	if b := mustGet(t, c, disk1+"/notice"); b != a {
		t.Fatal("copy in memory not served while the disk is down")
	}
	if _, err := c.Get(context.Background(), disk1+"/other"); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("never loaded, disk down: %v", err)
	}
	disk.setFail(nil)
	delete(disk.files, "notice.wav")
	if _, err := c.Get(context.Background(), disk1+"/notice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted on the disk: %v", err)
	}
}

func TestCacheMount(t *testing.T) {
	disk := &fakeSource{files: fstest.MapFS{"notice.wav": {Data: toneWAV(500, 200)}}}
	c := New(Options{})
	if _, err := c.Get(context.Background(), disk1+"/notice"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if err := c.Mount(disk1, disk); err != nil {
		t.Fatal(err)
	}
	if err := c.Mount("relative", disk); !errors.Is(err, ErrBadName) {
		t.Fatalf("relative prefix: %v", err)
	}
	mustGet(t, c, disk1+"/notice")
	nested := &fakeSource{files: fstest.MapFS{"notice.wav": {Data: toneWAV(900, 200)}}}
	if err := c.Mount(disk1+"/sub", nested); err != nil {
		t.Fatal(err)
	}
	if a := mustGet(t, c, disk1+"/sub/notice"); freqOf(t, a) != 900 {
		t.Fatal("longest prefix not used")
	}
	c.Unmount(disk1)
	if _, err := c.Get(context.Background(), disk1+"/notice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Unmount: %v", err)
	}
	if s := c.Stats(); s.Entries != 1 {
		t.Fatalf("unmounted disk's prompts kept: %+v", s)
	}
}

func TestCachePreload(t *testing.T) {
	dir := t.TempDir()
	writeTone(t, dir, "notice.wav", 500, 200)
	c := New(Options{Dir: dir, Builtin: fstest.MapFS{}})
	err := c.Preload(context.Background(), "notice", "confirm", "ok")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"confirm"`) || !strings.Contains(err.Error(), `"ok"`) {
		t.Fatalf("Preload: %v", err)
	}
	if s := c.Stats(); s.Entries != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestBuiltinPrompts(t *testing.T) {
	c := New(Options{Dir: filepath.Join(t.TempDir(), "missing")})
	for _, n := range builtin.Names() {
		a := mustGet(t, c, n)
		d := a.Duration()
		if d < 200*time.Millisecond || d > 12*time.Second { // beep is 250 ms
			t.Errorf("%s: %v long", n, d)
		}
		if r := rms(a.PCM); r < 0.02 {
			t.Errorf("%s: rms %.3f, nearly silent", n, r)
		}
	}
	if d := mustGet(t, c, "music").Duration(); d < 9*time.Second {
		t.Errorf("music is %v long, want about 10 s", d)
	}
}
