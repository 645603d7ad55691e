package pbx

import (
	"github.com/ivrbox/ivrbox/firmware/call"
)

// The call directions of Call.Dir.
const (
	dirInbound  = "inbound"
	dirOutbound = "outbound"
)

// tokenResp answers login.
type tokenResp struct {
	Status string `json:"status"`
	Token  string `json:"token"`
}

// callIDResp answers dial and transfer requests.
type callIDResp struct {
	Status string `json:"status"`
	CallID string `json:"callid"`
}

// login checks the API user and password and issues a token. The optional
// Yeastar parameters port, url, urltag and version are accepted and ignored:
// events go to the configured app URL.
func (a *API) login(rq *request) (any, string) {
	user, errno := rq.p.need("username")
	if errno != "" {
		return nil, errno
	}
	pass, errno := rq.p.need("password")
	if errno != "" {
		return nil, errno
	}
	addr := clientAddr(rq.r)
	cfg := a.config().API
	if !checkPassword(cfg, user, pass) {
		a.auth.failed(addr)
		a.log.Info("pbx api: login failed", "addr", addr)
		return nil, ErrnoLogin
	}
	a.auth.succeeded(addr)
	tok, err := a.auth.issue(credOf(cfg))
	if err != nil {
		a.log.Error("pbx api: login", "addr", addr, "err", err)
		return nil, ErrnoInternal
	}
	a.log.Info("pbx api: login", "addr", addr)
	return tokenResp{Status: statusSuccess, Token: tok}, ""
}

// heartbeat extends the token by TokenLifetime. Yeastar's ipaddr, port, url
// and urlflag are ignored.
func (a *API) heartbeat(rq *request) (any, string) {
	a.auth.refresh(rq.token)
	return okResp{Status: statusSuccess}, ""
}

// logout forgets the token.
func (a *API) logout(rq *request) (any, string) {
	a.auth.revoke(rq.token)
	a.log.Info("pbx api: logout", "addr", clientAddr(rq.r))
	return okResp{Status: statusSuccess}, ""
}

// dialOutbound is ivr/dial_outbound: IVR ivrid calls outto with the route
// permission of fromext. The call manager checks the IVR, the account and
// the route; this API checks only its own parameters.
func (a *API) dialOutbound(rq *request) (any, string) {
	var ivr, outto, fromExt, errno string
	if ivr, errno = rq.p.need("ivrid"); errno != "" {
		return nil, errno
	}
	if outto, errno = rq.p.need("outto"); errno != "" {
		return nil, errno
	}
	if fromExt, errno = rq.p.need("fromext"); errno != "" {
		return nil, errno
	}
	if !validNumber(outto) {
		return nil, ErrnoBadNumber
	}
	if a.calls == nil {
		return nil, ErrnoInternal
	}
	c, err := a.calls.DialIVR(rq.r.Context(), ivr, outto, fromExt)
	if err != nil {
		return nil, a.callError("dial_outbound", err)
	}
	return callIDResp{Status: statusSuccess, CallID: c.ID}, ""
}

// transferBy makes a transfer endpoint for calls of direction dir ("" any)
// named by parameter idName, to the number in parameter numName.
func transferBy(dir, idName, numName string) func(*API, *request) (any, string) {
	return func(a *API, rq *request) (any, string) {
		var id, number, fromExt, errno string
		if id, errno = rq.p.need(idName); errno != "" {
			return nil, errno
		}
		if number, errno = rq.p.need(numName); errno != "" {
			return nil, errno
		}
		if fromExt, errno = rq.p.opt("fromext"); errno != "" {
			return nil, errno
		}
		if !validNumber(number) {
			return nil, ErrnoBadNumber
		}
		c, errno := a.lookup(id, dir)
		if errno != "" {
			return nil, errno
		}
		if err := a.calls.Transfer(rq.r.Context(), id, number, fromExt); err != nil {
			return nil, a.callError("transfer", err)
		}
		return callIDResp{Status: statusSuccess, CallID: c.ID}, ""
	}
}

// hangupBy makes a hang-up endpoint for calls of direction dir ("" any)
// named by parameter idName.
func hangupBy(dir, idName string) func(*API, *request) (any, string) {
	return func(a *API, rq *request) (any, string) {
		id, errno := rq.p.need(idName)
		if errno != "" {
			return nil, errno
		}
		if _, errno := a.lookup(id, dir); errno != "" {
			return nil, errno
		}
		if err := a.calls.Hangup(rq.r.Context(), id, call.CauseAPI); err != nil {
			return nil, a.callError("hangup", err)
		}
		return okResp{Status: statusSuccess}, ""
	}
}

// lookup finds the live call id of direction dir ("" any).
func (a *API) lookup(id, dir string) (call.Info, string) {
	if a.calls == nil {
		return call.Info{}, ErrnoInternal
	}
	c, ok := a.calls.Lookup(id)
	if !ok || !dirMatches(c, dir) {
		return call.Info{}, ErrnoUnknownCall
	}
	return c, ""
}

// dirMatches reports whether c is of direction dir; "" on either side
// matches.
func dirMatches(c call.Info, dir string) bool {
	return dir == "" || c.Dir == "" || c.Dir == dir
}

// callError maps an error from Calls to its errno, logging the unexpected.
func (a *API) callError(op string, err error) string {
	errno := errnoOf(err)
	if errno == ErrnoInternal {
		a.log.Error("pbx api: "+op, "err", err)
	}
	return errno
}
