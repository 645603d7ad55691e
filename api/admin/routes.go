package admin

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/ivrbox/ivrbox/api/admin/auth"
	"github.com/ivrbox/ivrbox/api/internal/secheader"
)

// route is one endpoint: method and path under Prefix, whether it is open
// without authentication, and its handler.
type route struct {
	method, path string
	public       bool
	h            handlerFunc
}

// routes lists every endpoint. The tests walk this list, so an endpoint
// added here is covered by the authentication and cross-origin checks.
func (a *API) routes() []route {
	return append([]route{
		{"GET", "session", true, a.getSession},
		{"POST", "setup", true, a.postSetup},
		{"POST", "login", true, a.postLogin},
		{"POST", "logout", false, a.postLogout},
		{"POST", "password", false, a.postPassword},
		{"GET", "tokens", false, a.getTokens},
		{"POST", "tokens", false, a.postToken},
		{"DELETE", "tokens/{id}", false, a.deleteToken},

		{"GET", "status", false, a.getStatus},
		{"GET", "calls", false, a.getCalls},
		{"DELETE", "calls/{id...}", false, a.deleteCall},
		{"GET", "calls/{id}", false, a.getCall},
		{"GET", "calls/{id}/forks", false, a.getForks},
		{"POST", "calls/{id}/forks", false, a.postFork},
		{"DELETE", "calls/{id}/forks/{fork}", false, a.deleteFork},
		{"GET", "calls/{id}/recordings", false, a.getCallRecordings},
		{"POST", "calls/{id}/recordings", false, a.postCallRecording},
		{"DELETE", "calls/{id}/recordings/{rec}", false, a.deleteCallRecording},
		{"POST", "calls/{id}/control", false, a.postControl},
		{"POST", "calls/{id}/control/{lease}/commands", false, a.postCommand}, // ?wait=1: answer the result
		{"POST", "calls/{id}/control/{lease}/touch", false, a.postControlTouch},
		{"POST", "calls/{id}/control/{lease}/stop", false, a.postControlStop},
		{"DELETE", "calls/{id}/control/{lease}", false, a.deleteControl},
		{"GET", "events", false, a.getEvents},
		{"GET", "events/recent", false, a.getRecentEvents},
		{"GET", "records", false, a.getRecords},
		{"GET", "recordings", false, a.getRecordings},
		{"GET", "recordings/{path...}", false, a.getRecordingFile}, // ?download=1: as an attachment
		{"DELETE", "recordings/{path...}", false, a.deleteRecordingFile},

		{"GET", "config", false, a.getConfig},
		{"PUT", "config", false, a.putConfig},
		{"GET", "ivrs", false, a.getIVRs},
		{"POST", "ivrs", false, a.postIVR},
		{"GET", "ivrs/{number}", false, a.getIVR},
		{"PUT", "ivrs/{number}", false, a.putIVR},
		{"DELETE", "ivrs/{number}", false, a.deleteIVR},
		{"GET", "system", false, a.getSystem},
		{"PUT", "system", false, a.putSystem},
		{"GET", "api-access", false, a.getAPIAccess},
		{"PUT", "api-access", false, a.putAPIAccess},
		{"GET", "cloud", false, a.getCloud},
		{"PUT", "cloud", false, a.putCloud},
		{"GET", "cloud/tokens", false, a.getCloudTokens},
		{"POST", "cloud/tokens", false, a.postCloudToken},
		{"DELETE", "cloud/tokens/{id}", false, a.deleteCloudToken},
		{"GET", "cloud/subscriptions", false, a.getCloudSubs},
		{"POST", "cloud/subscriptions", false, a.postCloudSub},
		{"DELETE", "cloud/subscriptions/{id}", false, a.deleteCloudSub},
		{"GET", "backup", false, a.getBackup},
		{"POST", "restore", false, a.postRestore},

		{"GET", "prompts", false, a.getPrompts},
		{"POST", "prompts", false, a.postPrompt},
		{"GET", "prompts/{name...}", false, a.getPrompt}, // .../audio: the audio
		{"DELETE", "prompts/{name...}", false, a.deletePrompt},

		{"GET", "disks", false, a.getDisks},
		{"POST", "disks", false, a.postDisk},
		{"POST", "disks/test", false, a.postDiskTest},
		{"POST", "disks/{number}/test", false, a.postDiskTest}, // number from the path
		{"GET", "disks/{number}", false, a.getDisk},
		{"PUT", "disks/{number}", false, a.putDisk},
		{"DELETE", "disks/{number}", false, a.deleteDisk},
		{"POST", "disks/{number}/mount", false, a.postDiskMount},
		{"POST", "disks/{number}/unmount", false, a.postDiskUnmount},
		{"POST", "disks/{number}/warm", false, a.postDiskWarm},
		{"GET", "disks/{number}/files", false, a.getDiskFiles},          // ?path=sub/dir
		{"GET", "disks/{number}/files/{path...}", false, a.getDiskFile}, // .../audio: the audio

		{"GET", "trunks", false, a.getTrunks},
		{"POST", "trunks", false, a.postTrunk},
		{"GET", "trunks/{name}", false, a.getTrunk},
		{"PUT", "trunks/{name}", false, a.putTrunk},
		{"DELETE", "trunks/{name}", false, a.deleteTrunk},
		{"GET", "accounts", false, a.getAccounts},
		{"POST", "accounts", false, a.postAccount},
		{"GET", "accounts/{ext}", false, a.getAccount},
		{"PUT", "accounts/{ext}", false, a.putAccount},
		{"DELETE", "accounts/{ext}", false, a.deleteAccount},
		{"GET", "routes", false, a.getRoutes},
		{"PUT", "routes", false, a.putRoutes},

		{"POST", "restart", false, a.postRestart},
		{"POST", "factory-reset", false, a.postFactoryReset},
		{"GET", "hal", false, a.getHAL},
		{"POST", "hal/buttons/{name}/press", false, a.postPress},
	}, slices.Concat(a.confRoutes(), a.certRoutes(), a.debugRoutes(), a.guardRoutes(), a.scaleRoutes(), a.diagRoutes(), a.dashRoutes())...)
}

// buildHandler mounts the routes behind the security layers: headers on
// every answer, panic recovery, cross-origin protection on every state
// change, then authentication.
func (a *API) buildHandler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		h := a.serve(rt.h)
		if !rt.public {
			h = a.requireAuth(h)
		}
		mux.Handle(rt.method+" "+Prefix+rt.path, h)
	}
	mux.Handle(Prefix, a.serve(func(w http.ResponseWriter, r *http.Request) error {
		return httpErr(http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	}))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(a.serve(func(w http.ResponseWriter, r *http.Request) error {
		a.log.Warn("admin: cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "addr", clientAddr(r))
		return httpErr(http.StatusForbidden, "cross-origin request refused")
	}))
	return securityHeaders(cop.Handler(mux))
}

// serve adapts a handlerFunc: errors become JSON answers, panics 500.
func (a *API) serve(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.log.Error("admin: handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
				a.writeError(w, r, httpErr(http.StatusInternalServerError, "internal error"))
			}
		}()
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// securityHeaders sets the headers every API answer carries.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secheader.Set(w.Header())
		h.ServeHTTP(w, r)
	})
}

// Who made an authenticated request.
type principal struct {
	session   string // session id (cookie), or ""
	token     string // token id, or ""
	tokenName string // the token's name
}

type principalKey struct{}

// who returns the principal of an authenticated request.
func who(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// requireAuth lets requests with a valid bearer token or session cookie
// through; others get 401.
func (a *API) requireAuth(h http.Handler) http.Handler {
	return a.serve(func(w http.ResponseWriter, r *http.Request) error {
		p, err := a.authenticate(w, r)
		if err != nil {
			return err
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		return nil
	})
}

// authenticate checks the Authorization header when there is one (a bad
// token is refused, never retried as a cookie), else the session cookie.
func (a *API) authenticate(w http.ResponseWriter, r *http.Request) (principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ivrbox"`)
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return principal{}, httpErr(http.StatusUnauthorized, "Authorization: want Bearer <token>")
		}
		tok, err := a.auth.CheckToken(strings.TrimSpace(secret))
		if errors.Is(err, auth.ErrNoToken) {
			return principal{}, httpErr(http.StatusUnauthorized, "invalid or revoked token")
		}
		if err != nil {
			return principal{}, err
		}
		return principal{token: tok.ID, tokenName: tok.Name}, nil
	}
	c, err := r.Cookie(cookieName)
	if err != nil {
		return principal{}, httpErr(http.StatusUnauthorized, "not logged in")
	}
	if _, err := a.auth.Session(c.Value); errors.Is(err, auth.ErrNoSession) {
		clearCookie(w, r)
		return principal{}, httpErr(http.StatusUnauthorized, "the session has ended: log in again")
	} else if err != nil {
		return principal{}, err
	}
	return principal{session: c.Value}, nil
}

// clientAddr is the request's peer IP (proxies are not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
