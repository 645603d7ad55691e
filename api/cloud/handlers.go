package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// Handler serves the API's paths, at the root and under Prefix.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	routes := map[string]func(w http.ResponseWriter, r *http.Request, token string){
		"POST /remote/monitor-call":      a.monitorCall,
		"POST /remote/stop-monitor-call": a.stopMonitor,
		"POST /media/playMedia":          a.playMedia,
		"POST /media/stopMedia":          a.stopMedia,
		"POST /media/stopAndPlayMedia":   a.stopAndPlay,
		"POST /event/subscribe":          a.subscribe,
		"POST /event/unsubscribe":        a.unsubscribe,
		"GET /event/subscriptions":       a.subscriptions,
	}
	for pattern, h := range routes {
		method, path, _ := strings.Cut(pattern, " ")
		wrapped := a.guard(h)
		mux.Handle(method+" "+path, wrapped)
		mux.Handle(method+" "+Prefix+path, wrapped)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, "", "", errf(CodeNotSupported, "%s %.100s is not an endpoint of this API", r.Method, r.URL.Path))
	})
	return mux
}

// guard authenticates a request, refuses it while the box shuts down and
// recovers a panic.
func (a *API) guard(h func(http.ResponseWriter, *http.Request, string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("cloud api: panic", "path", r.URL.Path, "panic", p)
				writeError(w, "", "", errf(CodeInternal, "internal error"))
			}
		}()
		token, e := a.authenticate(r)
		if e != nil {
			writeError(w, "", "", e)
			return
		}
		if a.isClosed() {
			writeError(w, "", "", errf(CodeNoCallManager, "the call manager is shutting down"))
			return
		}
		h(w, r, token)
	})
}

func (a *API) isClosed() bool {
	a.closeMu.Lock()
	defer a.closeMu.Unlock()
	return a.closed
}

// decode reads r's JSON object body into v.
func decode(r *http.Request, v any) *Error {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	switch {
	case err != nil:
		return errf(CodeEmpty, "request body unreadable: %v", err)
	case len(body) > MaxBody:
		return errf(CodeEmpty, "request body larger than %d bytes", MaxBody)
	case len(strings.TrimSpace(string(body))) == 0:
		return errf(CodeEmpty, "request body is empty")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return errf(CodeEmpty, "malformed JSON at byte %d", se.Offset)
		case errors.As(err, &te):
			return errf(CodeEmpty, "field %q must be a %s", te.Field, te.Type)
		}
		return errf(CodeEmpty, "malformed JSON")
	}
	return nil
}

// required returns code 2 naming the first empty field.
func required(fields ...[2]string) *Error {
	for _, f := range fields {
		if strings.TrimSpace(f[1]) == "" {
			return errf(CodeEmpty, "%s is empty", f[0])
		}
	}
	return nil
}

// parseRTP checks a udp://host:port target.
func parseRTP(field, s string) *Error {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return errf(CodeBadDevice, "%s %.100q is not udp://host:port", field, s)
	}
	if !strings.EqualFold(scheme, "udp") {
		return errf(CodeNotSupported, "%s: scheme %.20q is not supported (udp only)", field, scheme)
	}
	host, port, err := net.SplitHostPort(rest)
	n, perr := strconv.Atoi(port)
	if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		return errf(CodeBadDevice, "%s %.100q is not udp://host:port", field, s)
	}
	return nil
}

// device checks a deviceId: "<number>@<namespace>", the box's namespace,
// and returns the number.
func (a *API) device(id string) (string, *Error) {
	number, ns, ok := strings.Cut(id, "@")
	if !ok || number == "" || strings.Contains(ns, "@") || strings.Trim(number, "0123456789") != "" {
		return "", errf(CodeBadDevice, "deviceId %.100q is not <number>@<namespace>", id)
	}
	if want := a.config().Cloud.NS(); ns != want {
		return "", errf(CodeBadDevice, "deviceId %.100q: the namespace is %s", id, want)
	}
	return number, nil
}

// cloudCall returns the session of call id: 10002 when there is no such
// call, 10003 when the call is not in a cloud-mode IVR.
func (a *API) cloudCall(id string) (*session, *Error) {
	if s := a.session(id); s != nil {
		return s, nil
	}
	if _, ok := a.calls.Lookup(id); ok {
		return nil, errf(CodeNotSupported, "call %.80q is not in a cloud-controlled IVR", id)
	}
	return nil, errf(CodeNoCall, "no call %.80q", id)
}

// mediaList splits urls at ';' and loads each, so that what cannot be
// played is refused now (10004) rather than skipped later.
func (a *API) mediaList(ctx context.Context, urls string) ([]string, *Error) {
	var list []string
	for _, u := range strings.Split(urls, ";") {
		if u = strings.TrimSpace(u); u != "" {
			list = append(list, u)
		}
	}
	switch {
	case len(list) == 0:
		return nil, errf(CodeEmpty, "urls is empty")
	case len(list) > call.MaxPrompts:
		return nil, errf(CodeNotSupported, "%d urls; at most %d", len(list), call.MaxPrompts)
	}
	ctx, cancel := context.WithTimeout(ctx, a.mediaTO)
	defer cancel()
	for _, u := range list {
		if _, err := a.prompts.Get(ctx, u); err != nil {
			return nil, &Error{Code: CodeNoMedia, Message: fmt.Sprintf("media %.200q cannot be played: %v", u, err), Err: err}
		}
	}
	return list, nil
}
