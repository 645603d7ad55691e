package pbx

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/ivrbox/ivrbox/api/internal/secheader"
)

// endpoint is one API path.
type endpoint struct {
	auth       bool // needs a live token
	ignoreBody bool // the body is not parsed (heartbeat, logout)
	fn         func(a *API, rq *request) (any, string)
}

// request is what an endpoint gets.
type request struct {
	r     *http.Request
	p     params
	token string
}

// endpoints maps the path below Prefix to its endpoint.
var endpoints = map[string]endpoint{
	"login":                    {fn: (*API).login},
	"heartbeat":                {auth: true, ignoreBody: true, fn: (*API).heartbeat},
	"logout":                   {auth: true, ignoreBody: true, fn: (*API).logout},
	"ivr/dial_outbound":        {auth: true, fn: (*API).dialOutbound},
	"outbound/transfer_number": {auth: true, fn: transferBy(dirOutbound, "outboundid", "number")},
	"inbound/transfer_number":  {auth: true, fn: transferBy(dirInbound, "inboundid", "number")},
	"calltransfer":             {auth: true, fn: transferBy("", "callid", "transferto")},
	"outbound/hangup":          {auth: true, fn: hangupBy(dirOutbound, "outboundid")},
	"inbound/hangup":           {auth: true, fn: hangupBy(dirInbound, "inboundid")},
	"call/hangup":              {auth: true, fn: hangupBy("", "callid")},
	"outbound/query":           {auth: true, fn: queryBy(dirOutbound, "outboundid")},
	"inbound/query":            {auth: true, fn: queryBy(dirInbound, "inboundid")},
	"call/query":               {auth: true, fn: queryBy("", "callid")},
}

// Handler returns the HTTP handler of every endpoint. It expects the full
// request path (Prefix + "login"...), so mount it at Root (or Prefix)
// without stripping; any other path answers ErrnoUnsupported, in JSON like
// every answer.
func (a *API) Handler() http.Handler { return http.HandlerFunc(a.serve) }

// statusFailed and statusSuccess are the "status" values.
const (
	statusSuccess = "Success"
	statusFailed  = "Failed"
)

// failResp is every error answer.
type failResp struct {
	Status string `json:"status"`
	Errno  string `json:"errno"`
}

// okResp is an answer with nothing but success.
type okResp struct {
	Status string `json:"status"`
}

func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	res, errno := a.route(w, r)
	if errno != "" {
		res = failResp{Status: statusFailed, Errno: errno}
	}
	h := w.Header()
	secheader.Set(h)
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	body, err := json.Marshal(res)
	if err != nil { // cannot happen with the response types
		a.log.Error("pbx api: encode response", "err", err)
		body = []byte(`{"status":"Failed","errno":"` + ErrnoInternal + `"}`)
	}
	_, _ = w.Write(append(body, '\n'))
}

// route checks the request and runs its endpoint.
func (a *API) route(w http.ResponseWriter, r *http.Request) (any, string) {
	if a.isClosed() {
		return nil, ErrnoInternal
	}
	if r.Method != http.MethodPost {
		return nil, ErrnoMethod
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	ep, known := endpoints[name]
	if !ok || !known {
		return nil, ErrnoUnsupported
	}
	rq := &request{r: r, token: r.URL.Query().Get("token")}
	if ep.auth {
		if errno := a.auth.check(rq.token, credOf(a.config().API)); errno != "" {
			return nil, errno
		}
	}
	if name == "login" && a.auth.blocked(clientAddr(r)) {
		return nil, ErrnoBlocked
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		return nil, ErrnoJSON
	}
	if !ep.ignoreBody {
		if rq.p, err = decodeParams(body); err != nil {
			return nil, ErrnoJSON
		}
	}
	return ep.fn(a, rq)
}

// clientAddr is the request's source address without the port. Forwarding
// headers are not trusted.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
