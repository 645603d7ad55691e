package pbx

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// testPassword is the API user's clear password in tests.
const testPassword = "s3cret"

// md5hex is the lower-case hex MD5 of s.
func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// testConfig has the seed's IVRs, an API user, two accounts (1000 may use
// route "out", 1001 none) and one route for any number starting with a
// digit.
func testConfig() *config.Config {
	return &config.Config{
		System: config.System{SN: "368182384620"},
		IVRs:   []config.IVR{{Number: "6500"}, {Number: "6501"}, {Number: "6502"}, {Number: "6503"}},
		API:    config.API{User: "api", PasswordMD5: md5hex(testPassword)},
		Accounts: []config.Account{
			{Ext: "1000", OutboundRoutes: []string{"out"}},
			{Ext: "1001"},
		},
		OutboundRoutes: []config.OutboundRoute{{Name: "out", Patterns: []string{"_X."}, Trunks: []string{"trunk1"}}},
	}
}

// fakeClock is a settable clock.
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

// fakeCalls records what it is asked and answers from its calls.
type fakeCalls struct {
	mu      sync.Mutex
	calls   []call.Info
	ops     []string
	dialErr error
	xferErr error
	hupErr  error
}

func (f *fakeCalls) record(op string) {
	f.mu.Lock()
	f.ops = append(f.ops, op)
	f.mu.Unlock()
}

// Ops returns what was asked so far.
func (f *fakeCalls) Ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ops...)
}

func (f *fakeCalls) DialIVR(_ context.Context, ivr, number, fromExt string) (call.Info, error) {
	f.record("dial " + ivr + " " + number + " " + fromExt)
	if f.dialErr != nil {
		return call.Info{}, f.dialErr
	}
	c := call.Info{ID: "1552976047.56", Leg: "1552976047.58", Dir: dirOutbound, From: ivr, To: number,
		Trunk: "192.168.9.121", IVR: ivr, State: "dialing", FromExt: fromExt}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	return c, nil
}

func (f *fakeCalls) Transfer(_ context.Context, id, number, fromExt string) error {
	f.record("transfer " + id + " " + number + " " + fromExt)
	return f.xferErr
}

func (f *fakeCalls) Hangup(_ context.Context, id, cause string) error {
	f.record("hangup " + id + " " + cause)
	return f.hupErr
}

func (f *fakeCalls) Calls() []call.Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call.Info(nil), f.calls...)
}

func (f *fakeCalls) Lookup(id string) (call.Info, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c.ID == id || c.Leg == id {
			return c, true
		}
	}
	return call.Info{}, false
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// recorder is an Enqueuer that keeps what it gets.
type recorder struct {
	mu     sync.Mutex
	keys   []string
	bodies []string
	err    error
}

// Enabled is always true: the recorder takes every event.
func (r *recorder) Enabled() bool { return true }

func (r *recorder) Enqueue(callID string, body []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.keys = append(r.keys, callID)
	r.bodies = append(r.bodies, string(body))
	return nil
}

// Bodies returns the bodies stored so far.
func (r *recorder) Bodies() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// env is an API on fakes.
type env struct {
	t     testing.TB
	api   *API
	calls *fakeCalls
	clock *fakeClock
	cfg   atomic.Pointer[config.Config]
	logs  *lockedBuffer
	out   *recorder
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, calls: &fakeCalls{}, clock: &fakeClock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)},
		logs: &lockedBuffer{}, out: &recorder{}}
	e.cfg.Store(testConfig())
	e.api = New(Options{
		Calls:  e.calls,
		Config: e.cfg.Load,
		Outbox: e.out,
		Log:    slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    e.clock.Now,
	})
	t.Cleanup(e.api.Close)
	return e
}

// setConfig changes the config the API sees.
func (e *env) setConfig(f func(*config.Config)) {
	c := *e.cfg.Load()
	f(&c)
	e.cfg.Store(&c)
}

// do sends a request from addr and returns the body, checking the HTTP
// status is 200 and the body is JSON.
func (e *env) do(method, path, token, body, addr string) string {
	e.t.Helper()
	if token != "" {
		path += "?token=" + token
	}
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = addr
	w := httptest.NewRecorder()
	e.api.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		e.t.Fatalf("%s %s: HTTP %d", method, path, w.Code)
	}
	if !json.Valid(w.Body.Bytes()) {
		e.t.Fatalf("%s %s: not JSON: %q", method, path, w.Body.String())
	}
	return strings.TrimSpace(w.Body.String())
}

// post sends a POST from the default address.
func (e *env) post(name, token, body string) string {
	e.t.Helper()
	return e.do(http.MethodPost, Prefix+name, token, body, "192.168.1.20:40000")
}

// login logs in and returns the token.
func (e *env) login() string {
	e.t.Helper()
	got := e.post("login", "", `{"username":"api","password":"`+md5hex(testPassword)+`","port":"8260","version":"1.0.2"}`)
	var r struct{ Status, Token string }
	if err := json.Unmarshal([]byte(got), &r); err != nil || r.Status != "Success" {
		e.t.Fatalf("login: %s", got)
	}
	return r.Token
}

// failed is the error answer with errno.
func failed(errno string) string { return `{"status":"Failed","errno":"` + errno + `"}` }
