package conf

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/api/internal/authlimit"
	"github.com/ivrbox/ivrbox/api/internal/lograte"
	"github.com/ivrbox/ivrbox/firmware/call"
	rooms "github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// Prefix is the path the API is mounted at.
const Prefix = "/conf/v1/"

// Rooms are the conference rooms (a *firmware/conf.Manager).
type Rooms interface {
	Create(s rooms.Spec) (rooms.Info, error)
	Get(id string) (rooms.Info, bool)
	List() []rooms.Info
	Members(id string) ([]rooms.MemberInfo, error)
	Mute(id, callID string, mute bool) error
	Kick(id, callID string) error
	End(id string) error
	Play(ctx context.Context, id string, prompts []string) error
	// Record starts recording room id and returns the file (relative to
	// the recordings folder); StopRecord stops it.
	Record(id string) (file string, err error)
	StopRecord(id string) error
}

// Calls are the live calls (a *firmware/call.Manager).
type Calls interface {
	// DialIVR places a call to number with the route permissions of
	// fromExt, run by ivr: "conf:<id>" joins the room id when answered.
	DialIVR(ctx context.Context, ivr, number, fromExt string) (call.Info, error)
	// Lookup returns the live call id's snapshot (for the members'
	// numbers).
	Lookup(id string) (call.Info, bool)
}

// Options wires an API. Config is required.
type Options struct {
	Rooms  Rooms                 // nil: every endpoint answers 503 (the box runs no conferences)
	Calls  Calls                 // nil: invite answers 503, members show no number
	Config func() *config.Config // the current config (store.Current): the tokens
	Log    *slog.Logger          // nil: discard
	Now    func() time.Time      // nil: time.Now (the failure throttle's clock)
}

// API serves the conference API. Build it with New and serve Handler. It
// holds no goroutine and needs no Close.
type API struct {
	opt      Options
	log      *slog.Logger
	authLog  *slog.Logger // rate-limited: an outsider can cause these at will
	throttle *authlimit.Throttle
	table    []route // routes()
}

// New builds the API.
func New(opt Options) *API {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	a := &API{opt: opt, log: opt.Log, authLog: lograte.New(opt.Log, 10*time.Second),
		throttle: authlimit.New(opt.Now)}
	a.table = a.routes()
	return a
}

// Handler serves the API; mount it at Prefix without stripping it.
func (a *API) Handler() http.Handler { return http.HandlerFunc(a.serveHTTP) }

// handler serves one endpoint: it answers v (with status) or an error.
type handler func(rq *request) (status int, v any, err *apiError)

// request is one authenticated request and its path's parameters.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	confID string // {confid}
	callID string // {callSid}
}

// route is one endpoint: method and the path's segments under Prefix,
// "{confid}" and "{callSid}" standing for parameters.
type route struct {
	method string
	path   []string
	h      handler
}

// routes lists every endpoint (docs/API-CONF.md).
func (a *API) routes() []route {
	return []route{
		{"GET", seg("conferences"), a.list},
		{"POST", seg("conferences"), a.create},
		{"GET", seg("conferences/{confid}"), a.get},
		{"DELETE", seg("conferences/{confid}"), a.end},
		{"GET", seg("conferences/{confid}/members"), a.members},
		{"POST", seg("conferences/{confid}/invite"), a.invite},
		{"POST", seg("conferences/{confid}/play"), a.play},
		{"POST", seg("conferences/{confid}/record"), a.record},
		{"DELETE", seg("conferences/{confid}/record"), a.stopRecord},
		{"POST", seg("conferences/{confid}/members/{callSid}/mute"), a.muteBy(true)},
		{"POST", seg("conferences/{confid}/members/{callSid}/unmute"), a.muteBy(false)},
		{"DELETE", seg("conferences/{confid}/members/{callSid}"), a.kick},
	}
}

func seg(p string) []string { return strings.Split(p, "/") }

// serveHTTP authenticates, routes and answers one request.
func (a *API) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.log.Error("conf api: handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			a.answerError(w, r, fail(http.StatusInternalServerError, CodeInternal, "internal error"))
		}
	}()
	if e := a.authenticate(r); e != nil {
		if e.status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", `Bearer realm="ivrbox conferences"`)
		}
		a.answerError(w, r, e)
		return
	}
	rq, hf, e := a.match(w, r)
	if e == nil && a.opt.Rooms == nil {
		e = fail(http.StatusServiceUnavailable, CodeUnavailable, "the box runs no conferences")
	}
	if e != nil {
		a.answerError(w, r, e)
		return
	}
	status, v, e := hf(rq)
	if e != nil {
		a.answerError(w, r, e)
		return
	}
	writeJSON(w, status, v)
}

// authenticate checks the address's failures, then the token.
func (a *API) authenticate(r *http.Request) *apiError {
	addr := authlimit.ClientAddr(r)
	if a.throttle.Blocked(addr) {
		a.authLog.Warn("conf api: refused: too many failures", "remote", addr)
		return fail(http.StatusTooManyRequests, CodeTooMany, "too many failed attempts from this address; try again later")
	}
	raw := tokenOf(r)
	if raw == "" || a.opt.Config == nil || !a.opt.Config().Cloud.TokenAllows(raw, config.APIConf) {
		a.throttle.Fail(addr)
		a.authLog.Warn("conf api: refused: bad or missing token", "remote", addr, "path", r.URL.Path)
		return fail(http.StatusUnauthorized, CodeUnauthorized,
			"a token for the conference API is required (Authorization: Bearer <token> or X-Auth-Token)")
	}
	return nil
}

// tokenOf is the request's token: Authorization: Bearer, or X-Auth-Token.
func tokenOf(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return strings.TrimSpace(r.Header.Get("X-Auth-Token"))
}

// match finds r's endpoint: 404 when no path matches, 405 when the path
// matches for other methods only.
func (a *API) match(w http.ResponseWriter, r *http.Request) (*request, handler, *apiError) {
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		return nil, nil, fail(http.StatusNotFound, CodeNoEndpoint, "no such endpoint: %s %s", r.Method, r.URL.Path)
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	var allow []string
	for _, rt := range a.table {
		rq, ok := bind(rt.path, parts)
		if !ok {
			continue
		}
		if rt.method != r.Method {
			allow = append(allow, rt.method)
			continue
		}
		if e := rq.check(); e != nil {
			return nil, nil, e
		}
		rq.w, rq.r = w, r
		return rq, rt.h, nil
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return nil, nil, fail(http.StatusMethodNotAllowed, CodeMethod, "%s %s: this endpoint takes %s", r.Method, r.URL.Path, strings.Join(allow, ", "))
	}
	return nil, nil, fail(http.StatusNotFound, CodeNoEndpoint, "no such endpoint: %s %s", r.Method, r.URL.Path)
}

// bind matches parts against a route's path, collecting its parameters.
func bind(path, parts []string) (*request, bool) {
	if len(path) != len(parts) {
		return nil, false
	}
	rq := &request{}
	for i, p := range path {
		switch {
		case (p == "{confid}" || p == "{callSid}") && parts[i] == "":
			return nil, false
		case p == "{confid}":
			rq.confID = parts[i]
		case p == "{callSid}":
			rq.callID = parts[i]
		default:
			if p != parts[i] {
				return nil, false
			}
		}
	}
	return rq, true
}

// check refuses malformed path parameters.
func (rq *request) check() *apiError {
	if rq.confID != "" && !confIDRE.MatchString(rq.confID) {
		return fail(http.StatusNotFound, CodeNoConf, "no such conference: %q is not a conference id", rq.confID)
	}
	if rq.callID != "" && !callIDRE.MatchString(rq.callID) {
		return fail(http.StatusNotFound, CodeNoMember, "no such member: %q is not a call id", rq.callID)
	}
	return nil
}

// answerError writes e's JSON answer and logs what the client cannot see.
func (a *API) answerError(w http.ResponseWriter, r *http.Request, e *apiError) {
	if e.status >= 500 {
		a.log.Error("conf api: request failed", "method", r.Method, "path", r.URL.Path, "code", e.code, "err", e)
	} else if e.status != http.StatusUnauthorized && e.status != http.StatusTooManyRequests {
		a.log.Debug("conf api: request refused", "method", r.Method, "path", r.URL.Path, "code", e.code, "err", e)
	}
	writeJSON(w, e.status, errorBody{StatusCode: e.code, StatusMsg: e.msg, Field: e.field})
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
