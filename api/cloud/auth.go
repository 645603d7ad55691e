package cloud

import (
	"net/http"
	"strings"

	"github.com/ivrbox/ivrbox/api/internal/authlimit"
	"github.com/ivrbox/ivrbox/firmware/config"
)

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

// authenticate checks r's token; it returns the raw token, or the error to
// answer.
func (a *API) authenticate(r *http.Request) (string, *Error) {
	addr := authlimit.ClientAddr(r)
	if a.throttle.Blocked(addr) {
		return "", errf(CodeTooManyRequest, "too many failed requests from %s; try again later", addr)
	}
	raw := tokenOf(r)
	if raw == "" {
		a.throttle.Fail(addr)
		return "", errf(CodeUnauthorized, "missing Authorization token")
	}
	if !validToken(a.config().Cloud, raw) {
		a.throttle.Fail(addr)
		a.authLog.Warn("cloud api: wrong token", "addr", addr)
		return "", errf(CodeUnauthorized, "invalid token")
	}
	return raw, nil
}
