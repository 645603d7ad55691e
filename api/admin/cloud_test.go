package admin

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/api/cloud"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// fakeCloud keeps subscriptions in memory; Subscribe refuses what the
// cloud API would (an empty or non-http URL, an unknown topic), with its
// error type, and fails with err when set.
type fakeCloud struct {
	mu   sync.Mutex
	subs []cloud.Subscription
	n    int
	err  error // Subscribe and Unsubscribe fail with it when set
}

var _ Cloud = (*fakeCloud)(nil)

func (f *fakeCloud) Subscriptions() []cloud.Subscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.subs)
	for n := range out {
		out[n].Secret = "leaked" // the API must never show it
	}
	return out
}

func (f *fakeCloud) Subscribe(s cloud.Subscription) (cloud.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.err != nil:
		return cloud.Subscription{}, f.err
	case s.URL == "":
		return cloud.Subscription{}, &cloud.Error{Code: cloud.CodeEmpty, Message: "url is empty"}
	case !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://"):
		return cloud.Subscription{}, &cloud.Error{Code: cloud.CodeNotSupported, Message: "url scheme is not supported (http or https)"}
	}
	if len(s.Topics) == 0 {
		s.Topics = []string{cloud.TopicIVR, cloud.TopicCall}
	}
	for _, t := range s.Topics {
		if t != cloud.TopicIVR && t != cloud.TopicCall {
			return cloud.Subscription{}, &cloud.Error{Code: cloud.CodeNotSupported, Message: fmt.Sprintf("topic %q is not known (ivr, call)", t)}
		}
	}
	f.n++
	s.ID, s.Created, s.HasSecret = fmt.Sprintf("sub%d", f.n), time.Now().UTC(), s.Secret != ""
	f.subs = append(f.subs, s)
	return s, nil
}

func (f *fakeCloud) Unsubscribe(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	n := slices.IndexFunc(f.subs, func(s cloud.Subscription) bool { return s.ID == id })
	if n < 0 {
		return &cloud.Error{Code: cloud.CodeNoRoute, Message: "no subscription", Err: fs.ErrNotExist}
	}
	f.subs = slices.Delete(f.subs, n, n+1)
	return nil
}

var rawTokenRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// TestCloudTokens: a token is made with a name, its raw form answered once
// and stored only as its SHA-256; the list shows id, name and created, never
// a hash or the token; revoking removes it; an unknown id is 404.
func TestCloudTokens(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	var list []cloudTokenJSON
	e.do(me, "GET", "cloud/tokens", nil).want(t, http.StatusOK).decode(t, &list)
	if list == nil || len(list) != 0 {
		t.Fatalf("tokens = %v, want []", list)
	}
	wantProblem(t, e.do(me, "POST", "cloud/tokens", map[string]string{"name": "  "}), "name")
	wantProblem(t, e.do(me, "POST", "cloud/tokens", map[string]string{"name": strings.Repeat("x", config.MaxNameLen+1)}), "name")
	e.do(me, "POST", "cloud/tokens", `{"name": "x", "sha256": "00"}`).want(t, http.StatusBadRequest)

	var made []cloudTokenJSON
	for _, name := range []string{"speech recogniser", "crm"} {
		var tj cloudTokenJSON
		e.do(me, "POST", "cloud/tokens", map[string]string{"name": name}).want(t, http.StatusCreated).decode(t, &tj)
		if !rawTokenRE.MatchString(tj.Token) || tj.Name != name || tj.ID == "" || len(tj.ID) > 16 || tj.Created.IsZero() {
			t.Fatalf("created %+v", tj)
		}
		made = append(made, tj)
	}
	if made[0].ID == made[1].ID || made[0].Token == made[1].Token {
		t.Fatalf("two tokens alike: %+v", made)
	}

	stored := e.st.Config().Cloud.Tokens
	if len(stored) != 2 {
		t.Fatalf("stored tokens = %+v", stored)
	}
	for n, st := range stored {
		if st.ID != made[n].ID || st.Name != made[n].Name || st.SHA256 != cloud.HashToken(made[n].Token) || !st.Created.Equal(made[n].Created) {
			t.Errorf("stored %+v for %+v", st, made[n])
		}
	}
	r := e.do(me, "GET", "cloud/tokens", nil).want(t, http.StatusOK)
	r.decode(t, &list)
	if len(list) != 2 || list[0].ID != made[0].ID || list[1].Name != "crm" || list[0].Token != "" {
		t.Errorf("list = %+v", list)
	}
	for _, tj := range made {
		if strings.Contains(string(r.body), tj.Token) || strings.Contains(string(r.body), cloud.HashToken(tj.Token)) {
			t.Errorf("the list shows a token or its hash: %s", r.body)
		}
	}
	// The config (and so the backup) keeps the hash, never the raw token.
	doc := string(e.do(me, "GET", "config", nil).want(t, http.StatusOK).body)
	if !strings.Contains(doc, cloud.HashToken(made[0].Token)) || strings.Contains(doc, made[0].Token) {
		t.Errorf("config document: %s", doc)
	}

	e.do(me, "DELETE", "cloud/tokens/"+made[0].ID, nil).want(t, http.StatusNoContent)
	e.do(me, "DELETE", "cloud/tokens/"+made[0].ID, nil).want(t, http.StatusNotFound)
	e.do(me, "GET", "cloud/tokens", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0].ID != made[1].ID {
		t.Errorf("after revoking: %+v", list)
	}
	if toks := e.st.Config().Cloud.Tokens; len(toks) != 1 || toks[0].ID != made[1].ID {
		t.Errorf("stored after revoking: %+v", toks)
	}
	if !strings.Contains(e.logs.String(), "cloud token revoked") {
		t.Error("the revocation is not logged")
	}
}

// TestCloudTokenAPIs: a token opens the APIs its POST names, the cloud
// IVR API when it names none; the list shows them, ["cloud"] for a token
// stored without any; an unknown API is a 422 at "apis" and stores
// nothing.
func TestCloudTokenAPIs(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	err := e.st.Update(func(c *config.Config) error {
		c.Cloud.Tokens = []config.CloudToken{{ID: "old", SHA256: cloud.HashToken("old")}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body any
		want []string
	}{
		{map[string]any{"name": "default"}, []string{config.APICloud}},
		{map[string]any{"name": "empty", "apis": []string{}}, []string{config.APICloud}},
		{map[string]any{"name": "both", "apis": []string{config.APICloud, config.APIWS}}, []string{config.APICloud, config.APIWS}},
		{map[string]any{"name": "ws only", "apis": []string{config.APIWS}}, []string{config.APIWS}},
	} {
		var tj cloudTokenJSON
		e.do(me, "POST", "cloud/tokens", tc.body).want(t, http.StatusCreated).decode(t, &tj)
		if !slices.Equal(tj.APIs, tc.want) || tj.Token == "" {
			t.Errorf("POST %v: %+v, want apis %q", tc.body, tj, tc.want)
		}
		cfg := e.st.Config().Cloud
		st := cfg.Tokens[len(cfg.Tokens)-1]
		if !slices.Equal(st.APIs, tc.want) || cfg.TokenAllows(tj.Token, config.APIWS) != slices.Contains(tc.want, config.APIWS) {
			t.Errorf("stored %+v for %v", st, tc.body)
		}
	}
	wantProblem(t, e.do(me, "POST", "cloud/tokens", map[string]any{"name": "x", "apis": []string{"pbx"}}), "apis")
	wantProblem(t, e.do(me, "POST", "cloud/tokens", map[string]any{"name": "x", "apis": []string{"ws", "ws"}}), "apis")
	var list []cloudTokenJSON
	r := e.do(me, "GET", "cloud/tokens", nil).want(t, http.StatusOK)
	r.decode(t, &list)
	if len(list) != 5 || list[0].ID != "old" || !slices.Equal(list[0].APIs, []string{config.APICloud}) ||
		!slices.Equal(list[3].APIs, []string{config.APICloud, config.APIWS}) || !strings.Contains(string(r.body), `"apis":["ws"]`) {
		t.Errorf("list = %s", r.body)
	}
}

// TestCloudTokenLimit: once config.MaxCloudTokens exist, another is refused
// with 409 and nothing changes.
func TestCloudTokenLimit(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	err := e.st.Update(func(c *config.Config) error {
		for n := range config.MaxCloudTokens {
			c.Cloud.Tokens = append(c.Cloud.Tokens, config.CloudToken{ID: fmt.Sprintf("t%d", n), SHA256: cloud.HashToken(fmt.Sprint(n))})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.do(me, "POST", "cloud/tokens", map[string]string{"name": "one more"}).want(t, http.StatusConflict)
	if n := len(e.st.Config().Cloud.Tokens); n != config.MaxCloudTokens {
		t.Errorf("%d tokens stored", n)
	}
}

// TestCloudNamespace: GET cloud shows the namespace ("" with the default
// beside it), PUT sets it, a bad one is a 422 at cloud.namespace.
func TestCloudNamespace(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	var c cloudJSON
	e.do(me, "GET", "cloud", nil).want(t, http.StatusOK).decode(t, &c)
	if c.Namespace != "" || c.Default != config.DefaultNamespace {
		t.Errorf("GET cloud = %+v", c)
	}
	e.do(me, "PUT", "cloud", map[string]string{"namespace": " test.cc "}).want(t, http.StatusOK).decode(t, &c)
	if c.Namespace != "test.cc" || e.st.Config().Cloud.Namespace != "test.cc" {
		t.Errorf("after PUT: %+v, stored %q", c, e.st.Config().Cloud.Namespace)
	}
	wantProblem(t, e.do(me, "PUT", "cloud", map[string]string{"namespace": "not a domain!"}), "cloud.namespace")
	if ns := e.st.Config().Cloud.Namespace; ns != "test.cc" {
		t.Errorf("a refused namespace changed it to %q", ns)
	}
	e.do(me, "PUT", "cloud", map[string]string{"namespace": ""}).want(t, http.StatusOK)
	if ns := e.st.Config().Cloud.NS(); ns != config.DefaultNamespace {
		t.Errorf("cleared namespace: %q", ns)
	}
}

// TestCloudSubscriptions: through a fake cloud API, a subscription is added
// (201, defaults filled in, the secret never shown), listed and deleted; a
// refusal is a 400 with the cloud API's message; an unknown id is 404.
func TestCloudSubscriptions(t *testing.T) {
	fc := &fakeCloud{}
	e := newEnv(t, envOpts{cloud: fc})
	me := e.login()
	var list []cloud.Subscription
	r := e.do(me, "GET", "cloud/subscriptions", nil).want(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("empty list: %s", r.body)
	}

	r = e.do(me, "POST", "cloud/subscriptions", map[string]any{"url": "http://app.example/cb", "secret": "hush"}).
		want(t, http.StatusCreated)
	var s cloud.Subscription
	r.decode(t, &s)
	if s.ID == "" || !slices.Equal(s.Topics, []string{"ivr", "call"}) || !s.HasSecret || s.Secret != "" ||
		r.h.Get("Location") != Prefix+"cloud/subscriptions/"+s.ID || strings.Contains(string(r.body), "hush") {
		t.Errorf("created %s (Location %s)", r.body, r.h.Get("Location"))
	}
	e.do(me, "POST", "cloud/subscriptions", map[string]any{"url": "https://b.example/ev", "topics": []string{"call"}, "namespace": "ivrbox.local"}).
		want(t, http.StatusCreated)
	if got := fc.Subscriptions(); len(got) != 2 || got[0].Secret != "leaked" || fc.subs[0].Secret != "hush" {
		t.Fatalf("the fake holds %+v", fc.subs)
	}

	r = e.do(me, "GET", "cloud/subscriptions", nil).want(t, http.StatusOK)
	r.decode(t, &list)
	if len(list) != 2 || list[1].URL != "https://b.example/ev" || list[1].Namespace != "ivrbox.local" || list[0].Namespace != "" ||
		!slices.Equal(list[1].Topics, []string{"call"}) || strings.Contains(string(r.body), "leaked") {
		t.Errorf("list = %s", r.body)
	}

	for body, want := range map[string]string{
		`{"url": ""}`:         "url is empty",
		`{"url": "ftp://x/"}`: "not supported",
		`{"url": "http://x/", "topics": ["ivr", "sms"]}`: `topic "sms"`,
		`{"url": "http://x/", "namespace": "test.cc"}`:   `the box's namespace is ivrbox.local`,
	} {
		r := e.do(me, "POST", "cloud/subscriptions", body).want(t, http.StatusBadRequest)
		if msg := r.errorText(t); !strings.Contains(msg, want) || strings.Contains(msg, "cloud api:") {
			t.Errorf("%s: error %q, want the message with %q", body, msg, want)
		}
	}
	e.do(me, "POST", "cloud/subscriptions", `{"url": "http://x/", "bogus": 1}`).want(t, http.StatusBadRequest)
	fc.err = errors.New("not today")
	if msg := e.do(me, "POST", "cloud/subscriptions", `{"url": "http://x/"}`).want(t, http.StatusBadRequest).errorText(t); msg != "not today" {
		t.Errorf("plain error: %q", msg)
	}
	fc.err = &cloud.Error{Code: cloud.CodeInternal, Message: "disk on fire"}
	if msg := e.do(me, "POST", "cloud/subscriptions", `{"url": "http://x/"}`).want(t, http.StatusInternalServerError).errorText(t); msg != "internal error" {
		t.Errorf("internal error shown as %q", msg)
	}
	e.do(me, "DELETE", "cloud/subscriptions/"+s.ID, nil).want(t, http.StatusInternalServerError)
	fc.err = nil

	e.do(me, "DELETE", "cloud/subscriptions/"+s.ID, nil).want(t, http.StatusNoContent)
	e.do(me, "DELETE", "cloud/subscriptions/"+s.ID, nil).want(t, http.StatusNotFound)
	e.do(me, "GET", "cloud/subscriptions", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0].URL != "https://b.example/ev" {
		t.Errorf("after delete: %+v", list)
	}
}

// TestCloudSubscriptionsUnavailable: without a cloud API the subscription
// endpoints answer 503 in the usual error shape; tokens still work.
func TestCloudSubscriptionsUnavailable(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	for _, rq := range []struct{ method, path, body string }{
		{"GET", "cloud/subscriptions", ""},
		{"POST", "cloud/subscriptions", `{"url": "http://x/"}`},
		{"DELETE", "cloud/subscriptions/x", ""},
	} {
		var body any
		if rq.body != "" {
			body = rq.body
		}
		r := e.do(me, rq.method, rq.path, body).want(t, http.StatusServiceUnavailable)
		if msg := r.errorText(t); !strings.Contains(msg, "cloud IVR API") {
			t.Errorf("%s %s: %q", rq.method, rq.path, msg)
		}
	}
	e.do(me, "POST", "cloud/tokens", map[string]string{"name": "still works"}).want(t, http.StatusCreated)
}
