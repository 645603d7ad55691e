package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/api/admin/auth"
	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/cdr"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/store"
	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/record"
)

// testPassword is the admin password env.login sets up.
const testPassword = "correct horse battery"

// env is an API over a real store, event bus, prompt cache and call
// records in a temporary data directory, served by httptest.
type env struct {
	t        *testing.T
	dir      string
	st       *store.Store
	bus      *event.Bus
	cache    *prompt.Cache
	recs     *cdr.Store
	calls    *fakeCalls
	hal      *fakeHAL
	api      *API
	srv      *httptest.Server
	clock    *clock
	logs     *syncBuffer
	restarts atomic.Int32
	rec      *record.Recorder // the recordings, in dir/recordings
	cdrRec   *cdr.Recorder    // writes the call records; Close flushes them
}

type envOpts struct {
	noRestart bool        // Options.Restart nil
	noHAL     bool        // Options.HAL nil
	disks     Disks       // Options.Disks (with the store as Secrets); nil: none
	noRec     bool        // Options.Recordings nil
	calls     Calls       // Options.Calls; nil: e.calls
	cloud     Cloud       // Options.Cloud; nil: none
	conf      Conferences // Options.Conferences; nil: none
	guard     Guard       // Options.Guard; nil: none
	// recFiles are files (path relative to the recordings folder → content)
	// put there before the recorder opens it.
	recFiles map[string][]byte
}

func newEnv(t *testing.T, o ...envOpts) *env {
	t.Helper()
	var opt envOpts
	if len(o) > 0 {
		opt = o[0]
	}
	e := &env{t: t, dir: t.TempDir(), calls: &fakeCalls{}, hal: newFakeHAL(), clock: newClock(), logs: &syncBuffer{}}
	pdir := filepath.Join(e.dir, "prompts")
	if err := os.MkdirAll(pdir, 0o750); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.st, err = store.Open(filepath.Join(e.dir, "ivrbox.db"), store.Options{}); err != nil {
		t.Fatal(err)
	}
	e.bus = event.NewBus(nil)
	// A long revalidation period: only Expire can make the cache see a new file.
	e.cache = prompt.New(prompt.Options{Dir: pdir, Revalidate: time.Hour})
	if e.recs, err = cdr.New(e.st.DB(), 0); err != nil {
		t.Fatal(err)
	}
	rec := cdr.NewRecorder(e.recs, e.bus, nil)
	e.cdrRec = rec
	rdir := filepath.Join(e.dir, "recordings")
	for name, data := range opt.recFiles {
		p := filepath.Join(rdir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if e.rec, err = record.New(record.Options{Dir: rdir}); err != nil {
		t.Fatal(err)
	}
	aopt := Options{
		Store: e.st, Calls: e.calls, Bus: e.bus, Prompts: e.cache, PromptDir: pdir, CacheDir: filepath.Join(e.dir, "cache"), Records: e.recs,
		HAL: e.hal, Restart: func() { e.restarts.Add(1) }, Board: "sim", SIPAddr: "127.0.0.1:5060",
		Log: slog.New(slog.NewTextHandler(e.logs, nil)), Now: e.clock.now,
		authParams: auth.Params{Memory: 64, Time: 1, Threads: 1},
	}
	if opt.noRestart {
		aopt.Restart = nil
	}
	if opt.noHAL {
		aopt.HAL = nil
	}
	aopt.Secrets = e.st
	if opt.disks != nil {
		aopt.Disks = opt.disks
	}
	if !opt.noRec {
		aopt.Recordings = e.rec
	}
	if opt.calls != nil {
		aopt.Calls = opt.calls
	}
	aopt.Cloud = opt.cloud
	aopt.Conferences = opt.conf
	aopt.Guard = opt.guard
	e.api = New(aopt)
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(func() {
		e.api.Close()
		e.srv.Close()
		rec.Close()
		e.rec.Close()
		_ = e.st.Close()
	})
	return e
}

// clock is a settable clock, starting now (cookies carry real expiry times).
type clock struct {
	mu sync.Mutex
	d  time.Duration
}

func newClock() *clock { return &clock{} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.d)
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.d += d
	c.mu.Unlock()
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// as is how a request authenticates and where it claims to come from.
type as struct {
	cookie     string // session cookie value
	token      string // bearer token
	crossSite  bool   // Sec-Fetch-Site: cross-site, Origin: another host
	authHeader string // raw Authorization header (overrides token)
	header     http.Header
}

// resp is an answer read in full.
type resp struct {
	code int
	h    http.Header
	body []byte
}

// form is a multipart body.
type form struct {
	contentType string
	data        []byte
}

// multipartForm builds a form with the file (name filename) and fields.
func multipartForm(t *testing.T, field, filename string, data []byte, fields map[string]string) form {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	return form{mw.FormDataContentType(), b.Bytes()}
}

// do sends one request; body is nil, a string or []byte (JSON), a form, or
// anything else (marshalled to JSON).
func (e *env) do(who as, method, path string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	case form:
		rd, ctype = bytes.NewReader(b.data), b.contentType
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.srv.URL+Prefix+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range who.header {
		req.Header[k] = v
	}
	if who.cookie != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: who.cookie})
	}
	if who.token != "" {
		req.Header.Set("Authorization", "Bearer "+who.token)
	}
	if who.authHeader != "" {
		req.Header.Set("Authorization", who.authHeader)
	}
	if who.crossSite {
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "http://evil.example")
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, data}
}

// want fails the test unless the answer has code.
func (r resp) want(t *testing.T, code int) resp {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d; body: %s", r.code, code, r.body)
	}
	return r
}

// decode unmarshals the body into v.
func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

// errorText is the "error" of an error answer.
func (r resp) errorText(t *testing.T) string {
	t.Helper()
	var b errorBody
	r.decode(t, &b)
	return b.Error
}

// cookie returns the session cookie the answer sets.
func (r resp) cookie() *http.Cookie {
	for _, c := range (&http.Response{Header: r.h}).Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

// login sets the admin password up and returns a logged-in session.
func (e *env) login() as {
	e.t.Helper()
	r := e.do(as{}, "POST", "setup", passwordBody{testPassword}).want(e.t, http.StatusOK)
	c := r.cookie()
	if c == nil {
		e.t.Fatal("setup set no cookie")
	}
	return as{cookie: c.Value}
}

// newSession logs in again (another browser).
func (e *env) newSession() as {
	e.t.Helper()
	c := e.do(as{}, "POST", "login", passwordBody{testPassword}).want(e.t, http.StatusOK).cookie()
	return as{cookie: c.Value}
}

// fakeCalls is a settable list of live calls; calls steered through Call
// and Accept are in steer (see fakecalls_test.go).
type fakeCalls struct {
	mu     sync.Mutex
	live   []call.Info
	hungUp []string
	steer  map[string]*fakeCall // by call id
}

func (f *fakeCalls) Calls() []call.Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call.Info(nil), f.live...)
}

func (f *fakeCalls) Hangup(_ context.Context, id, cause string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for n, c := range f.live {
		if c.ID == id {
			f.live = append(f.live[:n], f.live[n+1:]...)
			f.hungUp = append(f.hungUp, id+":"+cause)
			return nil
		}
	}
	return ErrNoCall
}

// fakeHAL is a board with two LEDs and one button.
type fakeHAL struct {
	mu      sync.Mutex
	pressed []string
}

func newFakeHAL() *fakeHAL { return &fakeHAL{} }

func (h *fakeHAL) LEDs() []LED {
	return []LED{{Name: "ready", On: true}, {Name: "call", Pattern: "blink"}}
}

func (h *fakeHAL) Buttons() []string { return []string{"reset"} }

func (h *fakeHAL) Press(name string, d time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pressed = append(h.pressed, name+":"+d.String())
	return nil
}
