package prompt

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"
)

// promptServer is an httptest server of prompt files that counts requests
// and answers conditional ones with 304 when the validator matches.
type promptServer struct {
	*httptest.Server
	requests atomic.Int32

	mu    sync.Mutex
	files map[string]*serverFile // by path
	reqs  []http.Header          // the headers of every request, in order
}

// serverFile is what the server answers for one path.
type serverFile struct {
	body    []byte
	header  map[string]string // sent with 200 and 304
	status  int               // if set, answered instead of the file
	handler http.HandlerFunc  // if set, answers instead of all the above
}

func newPromptServer(t *testing.T, tls bool) *promptServer {
	s := &promptServer{files: map[string]*serverFile{}}
	if tls {
		s.Server = httptest.NewTLSServer(s)
	} else {
		s.Server = httptest.NewServer(s)
	}
	t.Cleanup(s.Close)
	return s
}

// set serves body at path with the headers given as key, value pairs.
func (s *promptServer) set(path string, body []byte, kv ...string) {
	h := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	s.mu.Lock()
	s.files[path] = &serverFile{body: body, header: h}
	s.mu.Unlock()
}

// setStatus makes path answer status.
func (s *promptServer) setStatus(path string, status int) {
	s.mu.Lock()
	if s.files[path] == nil {
		s.files[path] = &serverFile{}
	}
	s.files[path].status = status
	s.mu.Unlock()
}

// handle makes h answer path.
func (s *promptServer) handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	s.files[path] = &serverFile{handler: h}
	s.mu.Unlock()
}

func (s *promptServer) remove(path string) {
	s.mu.Lock()
	delete(s.files, path)
	s.mu.Unlock()
}

// req returns the headers of request i (0 is the first).
func (s *promptServer) req(t *testing.T, i int) http.Header {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.reqs) {
		t.Fatalf("request %d asked for, %d made", i, len(s.reqs))
	}
	return s.reqs[i]
}

func (s *promptServer) count() int { return int(s.requests.Load()) }

func (s *promptServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	s.reqs = append(s.reqs, r.Header.Clone())
	f := s.files[r.URL.Path]
	var cp serverFile
	if f != nil {
		cp = *f
	}
	s.mu.Unlock()
	switch {
	case f == nil:
		http.NotFound(w, r)
		return
	case cp.handler != nil:
		cp.handler(w, r)
		return
	}
	for k, v := range cp.header {
		w.Header().Set(k, v)
	}
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	switch {
	case cp.status != 0:
		w.WriteHeader(cp.status)
	case inm != "" && inm == cp.header["ETag"],
		inm == "" && ims != "" && ims == cp.header["Last-Modified"]:
		w.WriteHeader(http.StatusNotModified)
	default:
		w.Write(cp.body)
	}
}

// fakeClock is the injected clock of the URL tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newURLCache returns a Cache for URL tests: opts with no built-ins, opts.HTTP
// set (the zero HTTPOptions if nil) and its clock a fakeClock.
func newURLCache(t *testing.T, opts Options) (*Cache, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	ho := HTTPOptions{}
	if opts.HTTP != nil {
		ho = *opts.HTTP
	}
	if ho.Now == nil {
		ho.Now = clk.Now
	}
	opts.HTTP = &ho
	if opts.Builtin == nil {
		opts.Builtin = fstest.MapFS{}
	}
	return New(opts), clk
}

// cacheFiles returns the cache files in dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+fileSuffix))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

// logBuffer collects what a test's logger writes, for any level.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// count returns how many lines contain s.
func (b *logBuffer) count(s string) int { return strings.Count(b.String(), s) }

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
