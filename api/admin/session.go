package admin

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/api/admin/auth"
)

// cookieName is the session cookie.
const cookieName = "ivrbox_session"

// sessionJSON answers GET session, setup and login.
type sessionJSON struct {
	SetupNeeded bool   `json:"setup_needed"`
	LoggedIn    bool   `json:"logged_in"`
	Lang        string `json:"lang"`
	// HTTPSPort is Options.HTTPSPort (HTTPS is on) while setup is needed,
	// so the page can send the first password over HTTPS only.
	HTTPSPort string `json:"https_port,omitempty"`
}

// passwordBody is the body of setup and login.
type passwordBody struct {
	Password string `json:"password"`
}

func (a *API) getSession(w http.ResponseWriter, r *http.Request) error {
	has, err := a.auth.HasPassword()
	if err != nil {
		return err
	}
	loggedIn := false
	if has {
		_, err := a.authenticate(w, r)
		loggedIn = err == nil
		w.Header().Del("WWW-Authenticate")
	}
	s := sessionJSON{SetupNeeded: !has, LoggedIn: loggedIn, Lang: lang(r)}
	if !has {
		s.HTTPSPort = a.opt.HTTPSPort
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

// postSetup sets the first admin password and logs in.
func (a *API) postSetup(w http.ResponseWriter, r *http.Request) error {
	var body passwordBody
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	if has, err := a.auth.HasPassword(); err != nil {
		return err
	} else if has {
		return httpErr(http.StatusConflict, "setup is already done: log in instead")
	}
	if err := a.setupOverTLS(r); err != nil {
		return err
	}
	if err := auth.CheckPassword(body.Password); err != nil {
		return weakPassword("password", err)
	}
	err := a.auth.Setup(r.Context(), body.Password)
	if errors.Is(err, auth.ErrSetupDone) {
		return httpErr(http.StatusConflict, "setup is already done: log in instead")
	}
	if err != nil {
		return err
	}
	a.log.Info("admin: password set (first-run setup)", "addr", clientAddr(r))
	return a.startSession(w, r)
}

// postLogin checks the password (throttled per address) and logs in.
func (a *API) postLogin(w http.ResponseWriter, r *http.Request) error {
	var body passwordBody
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	addr := clientAddr(r)
	if err := a.checkThrottle(w, addr); err != nil {
		return err
	}
	err := a.auth.Verify(r.Context(), body.Password)
	switch {
	case errors.Is(err, auth.ErrNoPassword):
		return httpErr(http.StatusConflict, "no admin password is set yet: set one first (setup)")
	case errors.Is(err, auth.ErrWrongPassword):
		a.failed(addr, "login")
		return httpErr(http.StatusUnauthorized, "wrong password")
	case err != nil:
		return err
	}
	a.throttle.Succeed(addr)
	if c, err := r.Cookie(cookieName); err == nil {
		_ = a.auth.EndSession(c.Value) // never keep a session id across a login
	}
	a.log.Info("admin: logged in", "addr", addr)
	return a.startSession(w, r)
}

// checkThrottle answers 429 with Retry-After while addr is blocked.
func (a *API) checkThrottle(w http.ResponseWriter, addr string) error {
	d := a.throttle.Blocked(addr)
	if d <= 0 {
		return nil
	}
	secs := int(math.Ceil(d.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return httpErr(http.StatusTooManyRequests, "too many wrong passwords from this address: try again in %d s", secs)
}

// failed counts a wrong password from addr and logs the start of a block.
func (a *API) failed(addr, what string) {
	a.log.Info("admin: wrong password", "addr", addr, "for", what)
	if a.throttle.Fail(addr) {
		a.log.Warn("admin: address blocked after repeated wrong passwords", "addr", addr,
			"failures", auth.DefaultLimit, "within", auth.DefaultWindow, "blocked_for", auth.DefaultBlock)
	}
}

// startSession creates a session, sets its cookie and answers like GET session.
func (a *API) startSession(w http.ResponseWriter, r *http.Request) error {
	id, se, err := a.auth.NewSession()
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: id, Path: "/",
		Expires: a.auth.Expires(se), MaxAge: int(a.auth.Expires(se).Sub(a.opt.Now()).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	writeJSON(w, http.StatusOK, sessionJSON{LoggedIn: true, Lang: lang(r)})
	return nil
}

// clearCookie removes the session cookie from the browser.
func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

func (a *API) postLogout(w http.ResponseWriter, r *http.Request) error {
	if p := who(r); p.session != "" {
		if err := a.auth.EndSession(p.session); err != nil {
			return err
		}
	}
	clearCookie(w, r)
	return noContent(w)
}

// postPassword changes the password; every other session ends.
func (a *API) postPassword(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Old string `json:"old"`
		New string `json:"new"`
	}
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	addr := clientAddr(r)
	if err := a.checkThrottle(w, addr); err != nil {
		return err
	}
	if err := auth.CheckPassword(body.New); err != nil {
		return weakPassword("new", err)
	}
	err := a.auth.ChangePassword(r.Context(), body.Old, body.New, who(r).session)
	if errors.Is(err, auth.ErrWrongPassword) {
		a.failed(addr, "password change")
		return httpErr(http.StatusForbidden, "the current password is wrong")
	}
	if err != nil {
		return err
	}
	a.log.Info("admin: password changed, other sessions ended", "addr", addr)
	return noContent(w)
}

// weakPassword is the 422 for a password that breaks the rules.
func weakPassword(field string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "auth: ")
	return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: msg, Err: err,
		Problems: []Problem{{Field: field, Problem: msg, Code: "password.weak"}}}
}

// lang picks the page language from Accept-Language: "zh" when Chinese is
// preferred over English, else "en".
func lang(r *http.Request) string {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(tag)
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			return "zh"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return "en"
		}
	}
	return "en"
}

// tokenJSON answers POST tokens: the token is shown this once.
type tokenJSON struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Token   string    `json:"token"`
}

func (a *API) getTokens(w http.ResponseWriter, r *http.Request) error {
	toks, err := a.auth.Tokens()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toks)
	return nil
}

func (a *API) postToken(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	tok, secret, err := a.auth.CreateToken(body.Name)
	switch {
	case errors.Is(err, auth.ErrBadName):
		msg := strings.TrimPrefix(err.Error(), "auth: ")
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: msg, Problems: []Problem{{Field: "name", Problem: msg}}}
	case errors.Is(err, auth.ErrTooMany):
		return httpErr(http.StatusConflict, "%s", strings.TrimPrefix(err.Error(), "auth: "))
	case err != nil:
		return err
	}
	a.log.Info("admin: token created", "id", tok.ID, "name", tok.Name, "addr", clientAddr(r))
	writeJSON(w, http.StatusCreated, tokenJSON{ID: tok.ID, Name: tok.Name, Created: tok.Created, Token: secret})
	return nil
}

func (a *API) deleteToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.auth.RevokeToken(id); errors.Is(err, auth.ErrNoToken) {
		return httpErr(http.StatusNotFound, "no token with id %q", id)
	} else if err != nil {
		return err
	}
	a.log.Info("admin: token revoked", "id", id, "addr", clientAddr(r))
	return noContent(w)
}
