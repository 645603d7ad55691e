package ws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ivrbox/ivrbox/api/ws/files"
	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/prompt"
)

const testToken = "s3cret-ws-token"

// fakeCalls answers like a box whose calls are elsewhere: Accept and
// Reaccept fail with err (nil: taken).
type fakeCalls struct {
	mu      sync.Mutex
	err     error
	accepts []string
}

func (f *fakeCalls) Lookup(id string) (call.Info, bool) { return call.Info{}, false }
func (f *fakeCalls) Accept(id, key string, opt call.AcceptOptions) (*call.Control, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepts = append(f.accepts, id+"/"+key)
	if f.err != nil {
		return nil, f.err
	}
	return nil, &call.Error{Code: call.CodeTaken, Op: "accept"}
}
func (f *fakeCalls) Reaccept(id, key string, opt call.AcceptOptions) (*call.Control, error) {
	return f.Accept(id, key, opt)
}
func (f *fakeCalls) Hangup(ctx context.Context, id, cause string) error { return nil }
func (f *fakeCalls) Transfer(ctx context.Context, id, number, fromExt string) error {
	return nil
}

// fakeFiles is a file store with nothing in it.
type fakeFiles struct{ http.Handler }

func (fakeFiles) AddRecording(session, name, rel string) files.Path {
	return files.Path{Storage: "TEMP", Rel: "ivr_records/" + name}
}
func (fakeFiles) PromptName(session string, p files.Path) (string, error) {
	if p.Rel == "missing.wav" {
		return "", files.ErrNotFound
	}
	return "ivrapi/" + p.Rel, nil
}
func (fakeFiles) EndSession(string) {}
func (fakeFiles) Link(session string, p files.Path, base string) (string, time.Time, error) {
	return base + "/ws/files/x", time.Time{}, nil
}
func (fakeFiles) FetchTemp(ctx context.Context, session, rawURL string) (files.Path, error) {
	return files.Path{}, files.ErrBadURL
}
func (fakeFiles) FetchStatic(ctx context.Context, rawURL, destpath string) (files.Path, error) {
	return files.Path{}, files.ErrBadURL
}

type fakePrompts struct{}

func (fakePrompts) Get(ctx context.Context, name string) (*prompt.Audio, error) {
	if strings.Contains(name, "silent") {
		return nil, errors.New("no such prompt")
	}
	return prompt.NewAudio(name, make([]int16, 160)), nil
}

// testConfig has one token for the WebSocket API and one for the cloud
// API only.
func testConfig() *config.Config {
	hash := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	return &config.Config{Cloud: config.Cloud{Tokens: []config.CloudToken{
		{ID: "t1", SHA256: hash(testToken), APIs: []string{config.APIWS}},
		{ID: "t2", SHA256: hash("cloud-only")},
	}}}
}

// rig is an API on an httptest server.
type rig struct {
	t     *testing.T
	a     *API
	calls *fakeCalls
	srv   *httptest.Server
	now   time.Time
	mu    sync.Mutex
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, calls: &fakeCalls{}, now: time.UnixMilli(1_700_000_000_000)}
	cfg := testConfig()
	r.a = New(Options{Calls: r.calls, Prompts: fakePrompts{}, Files: fakeFiles{http.NotFoundHandler()},
		Config: func() *config.Config { return cfg }, Now: r.clock})
	r.srv = httptest.NewServer(r.a.Handler())
	t.Cleanup(func() {
		r.srv.Close()
		_ = r.a.Close()
	})
	return r
}

func (r *rig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *rig) advance(d time.Duration) {
	r.mu.Lock()
	r.now = r.now.Add(d)
	r.mu.Unlock()
}

// client is a test's WebSocket connection.
type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (r *rig) dial(path string) *client {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.srv.URL, "http")+path, nil)
	if err != nil {
		r.t.Fatalf("dial %s: %v", path, err)
	}
	ws.SetReadLimit(1 << 20)
	r.t.Cleanup(func() { ws.CloseNow() })
	return &client{t: r.t, ws: ws}
}

// send writes a raw text message.
func (c *client) send(raw string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(raw)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next reads the next message as its name and object.
func (c *client) next() (string, map[string]any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var parts [2]json.RawMessage
	var name string
	var body map[string]any
	if json.Unmarshal(data, &parts) != nil || json.Unmarshal(parts[0], &name) != nil || json.Unmarshal(parts[1], &body) != nil {
		c.t.Fatalf("not [name, object]: %s", data)
	}
	return name, body
}

// errCode is the code of an answer's error (0: none).
func errCode(body map[string]any) (int, string) {
	e, ok := body["error"].(map[string]any)
	if !ok {
		return 0, ""
	}
	code, _ := e["code"].(float64)
	reason, _ := e["reason"].(string)
	return int(code), reason
}
