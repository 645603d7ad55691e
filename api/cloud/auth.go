package cloud

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// Authentication limits: FailLimit failures from one address within
// FailWindow (counted from the first) refuse that address for Block, even
// with a good token.
const (
	FailLimit  = 10
	FailWindow = time.Minute
	Block      = time.Minute
	maxAddrs   = 1024 // addresses whose failures are remembered
)

// throttle counts authentication failures per address.
type throttle struct {
	now   func() time.Time
	mu    sync.Mutex
	fails map[string]*fails
}

type fails struct {
	count   int
	first   time.Time
	blocked time.Time
}

// blocked reports whether addr is refused now.
func (t *throttle) blocked(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.fails[addr]
	return f != nil && t.now().Before(f.blocked)
}

// fail counts a failure of addr.
func (t *throttle) fail(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.fails[addr]
	if f == nil || now.Sub(f.first) > FailWindow {
		if f == nil && len(t.fails) >= maxAddrs {
			t.prune(now)
		}
		f = &fails{first: now}
		t.fails[addr] = f
	}
	f.count++
	if f.count >= FailLimit {
		f.blocked = now.Add(Block)
	}
}

// prune forgets addresses whose window and block are over; if none, the
// oldest. t.mu is held.
func (t *throttle) prune(now time.Time) {
	var oldest string
	for a, f := range t.fails {
		if now.Sub(f.first) > FailWindow && !now.Before(f.blocked) {
			delete(t.fails, a)
		} else if oldest == "" || f.first.Before(t.fails[oldest].first) {
			oldest = a
		}
	}
	if len(t.fails) >= maxAddrs {
		delete(t.fails, oldest)
	}
}

// tokenOf reads the raw token of r: "Authorization: <token>" as in the
// seed, or "Bearer <token>".
func tokenOf(r *http.Request) string {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		h = strings.TrimSpace(h[7:])
	}
	return h
}

// validToken reports whether raw is one of the tokens of c that open the
// cloud IVR API (config.APICloud: a token for the WebSocket ivrapi only is
// refused here).
func validToken(c config.Cloud, raw string) bool {
	return c.TokenAllows(raw, config.APICloud)
}

// clientAddr is the request's remote IP.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// authenticate checks r's token; it returns the raw token, or the error to
// answer.
func (a *API) authenticate(r *http.Request) (string, *Error) {
	addr := clientAddr(r)
	if a.throttle.blocked(addr) {
		return "", errf(CodeTooManyRequest, "too many failed requests from %s; try again later", addr)
	}
	raw := tokenOf(r)
	if raw == "" {
		a.throttle.fail(addr)
		return "", errf(CodeUnauthorized, "missing Authorization token")
	}
	if !validToken(a.config().Cloud, raw) {
		a.throttle.fail(addr)
		a.authLog.Warn("cloud api: wrong token", "addr", addr)
		return "", errf(CodeUnauthorized, "invalid token")
	}
	return raw, nil
}
