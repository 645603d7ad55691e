package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/outbox"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// testToken is the raw token the test config accepts.
const testToken = "a8307aa5-bd11-4216-a6e2-5e5d6161aec4"

// fakeCalls knows calls by id (snapshots only): Call and Reaccept find
// nothing to steer.
type fakeCalls struct{ infos map[string]call.Info }

func (f fakeCalls) Lookup(id string) (call.Info, bool) { i, ok := f.infos[id]; return i, ok }
func (f fakeCalls) Call(string) *call.Call             { return nil }
func (f fakeCalls) Reaccept(id, key string, _ call.AcceptOptions) (*call.Control, error) {
	return nil, &call.Error{Code: call.CodeNotOffered, Op: "accept"}
}

// fakePrompts has the prompts named in ok.
type fakePrompts map[string]bool

func (f fakePrompts) Get(_ context.Context, name string) (*prompt.Audio, error) {
	if f[name] {
		return &prompt.Audio{}, nil
	}
	return nil, prompt.ErrNotFound
}

// rig is an API on a temporary database.
type rig struct {
	t   testing.TB
	api *API
	cfg *config.Config
	db  *bbolt.DB
	srv *httptest.Server
}

// testConfig has IVR 6001 in cloud mode and the test token.
func testConfig() *config.Config {
	c := config.Defaults()
	c.IVRs = append(c.IVRs, config.IVR{Number: "6001", Control: config.ControlCloud})
	c.Cloud = config.Cloud{Namespace: "test.cc", Tokens: []config.CloudToken{{ID: "t1", SHA256: HashToken(testToken)}}}
	return &c
}

func newRig(t testing.TB, db *bbolt.DB, calls Calls) *rig {
	t.Helper()
	if db == nil {
		var err error
		db, err = bbolt.Open(filepath.Join(t.TempDir(), "t.db"), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
	}
	if calls == nil {
		calls = fakeCalls{}
	}
	r := &rig{t: t, cfg: testConfig(), db: db}
	api, err := New(Options{Calls: calls, Config: func() *config.Config { return r.cfg }, DB: db,
		Prompts: fakePrompts{"welcome.wav": true},
		tuneOutbox: func(o *outbox.Options) {
			o.BaseDelay, o.MaxDelay = time.Millisecond, 5*time.Millisecond
		}})
	if err != nil {
		t.Fatal(err)
	}
	r.api = api
	ctx, cancel := context.WithCancel(context.Background())
	api.Run(ctx)
	r.srv = httptest.NewServer(api.Handler())
	t.Cleanup(func() { r.srv.Close(); cancel(); _ = api.Close() })
	return r
}

// answer is a decoded answer.
type answer struct {
	Status int
	Body   map[string]any
}

// code is the answer's error code (0: none).
func (a answer) code() int {
	f, _ := a.Body["code"].(float64)
	return int(f)
}

// post sends body (a string as is, anything else as JSON) with token.
func (r *rig) post(path, token string, body any) answer {
	r.t.Helper()
	var b []byte
	if s, ok := body.(string); ok {
		b = []byte(s)
	} else {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+path, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{Status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&a.Body); err != nil && !errors.Is(err, context.Canceled) {
		r.t.Fatalf("%s: answer not JSON: %v", path, err)
	}
	return a
}
