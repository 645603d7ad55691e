package files

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// clock is a test clock moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeRecordings keeps recordings in a folder and notes what is deleted.
type fakeRecordings struct {
	dir string

	mu      sync.Mutex
	deleted []string
}

func newFakeRecordings(t *testing.T) *fakeRecordings {
	return &fakeRecordings{dir: t.TempDir()}
}

// add writes a recording at rel.
func (f *fakeRecordings) add(t *testing.T, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeRecordings) Open(rel string) (*os.File, error) {
	if !fs.ValidPath(rel) {
		return nil, errors.New("bad rel")
	}
	return os.Open(filepath.Join(f.dir, filepath.FromSlash(rel)))
}

func (f *fakeRecordings) Delete(rel string) error {
	f.mu.Lock()
	f.deleted = append(f.deleted, rel)
	f.mu.Unlock()
	return os.Remove(filepath.Join(f.dir, filepath.FromSlash(rel)))
}

func (f *fakeRecordings) wasDeleted(rel string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.deleted, rel)
}

// namingRecordings is fakeRecordings that can name its files for the
// prompt cache.
type namingRecordings struct{ *fakeRecordings }

func (n namingRecordings) PromptName(rel string) (string, error) {
	return filepath.Join(n.dir, filepath.FromSlash(rel)), nil
}

// testStore is a Store in a test's folders, with its clock and recorder.
type testStore struct {
	*Store
	clk     *clock
	recs    *fakeRecordings
	prompts string
	temp    string
}

// newTestStore makes a Store; edit may change its Options.
func newTestStore(t *testing.T, edit func(*Options)) *testStore {
	t.Helper()
	ts := &testStore{clk: newClock(), recs: newFakeRecordings(t)}
	base := t.TempDir()
	ts.prompts, ts.temp = filepath.Join(base, "prompts"), filepath.Join(base, "ivrapi-temp")
	opts := Options{PromptDir: ts.prompts, TempDir: ts.temp, Recordings: ts.recs, Now: ts.clk.Now,
		Secret: []byte("0123456789abcdef0123456789abcdef")}
	if edit != nil {
		edit(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	ts.Store = s
	return ts
}

// staticFile is the real path of a static storage's file.
func (ts *testStore) staticFile(storage, rel string) string {
	folder, _ := Folder(storage)
	return filepath.Join(ts.prompts, filepath.FromSlash(folder), filepath.FromSlash(rel))
}

// writeStatic puts a file into a static storage.
func (ts *testStore) writeStatic(t *testing.T, storage, rel string, data []byte) {
	t.Helper()
	p := ts.staticFile(storage, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// get serves a link through the Store and returns the response.
func (ts *testStore) get(t *testing.T, method, link string) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, httptest.NewRequest(method, link, nil))
	return w.Result()
}

func body(t *testing.T, r *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// makeWAV returns a WAV file of ms milliseconds of a 440 Hz tone, 8 kHz
// 16-bit mono.
func makeWAV(ms int) []byte {
	n := 8 * ms
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, uint32(36+2*n))
	b = append(b, "WAVEfmt "...)
	b = binary.LittleEndian.AppendUint32(b, 16)
	b = binary.LittleEndian.AppendUint16(b, 1) // PCM
	b = binary.LittleEndian.AppendUint16(b, 1) // mono
	b = binary.LittleEndian.AppendUint32(b, 8000)
	b = binary.LittleEndian.AppendUint32(b, 16000)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(2*n))
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/8000))
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

func readMP3(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/tone.mp3")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
