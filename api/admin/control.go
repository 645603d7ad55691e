package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// HTTP controllers of API-control steps: POST calls/{id}/control accepts
// the step offering the call and answers a lease, which later requests
// name to steer the call. The leases live in memory.
const (
	maxLeases       = 256              // leases held at once
	defaultLeaseTTL = 30               // seconds a lease lasts without a request
	maxLeaseTTL     = 600              // the longest ttl_s accepted
	maxCommandWait  = 10 * time.Minute // the longest ?wait=1
	cancelWait      = 5 * time.Second  // how long a cancelled command may take to end
)

// lease is one HTTP controller's hold on a call.
type lease struct {
	id        string
	call, leg string // the call's id and its leg's id, either names it in paths
	name      string // the controller's name (Info.Controller)
	ttl       time.Duration
	ctl       Controller
}

// leaseJSON answers POST calls/{id}/control.
type leaseJSON struct {
	Lease      string `json:"lease"`
	TTLS       int    `json:"ttl_s"`
	Controller string `json:"controller"`
}

// postControl accepts (or, with reaccept, takes over) the API-control step
// offering the call under key: {"key": "6501", "ttl_s": 30, "reaccept": false}.
func (a *API) postControl(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Key      string `json:"key"`
		TTL      int    `json:"ttl_s"`
		Reaccept bool   `json:"reaccept"`
	}
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	var probs []Problem
	if body.Key == "" {
		probs = append(probs, Problem{Field: "key", Code: "field.required", Problem: "required: the key of the API-control step (its IVR number unless set)"})
	}
	if body.TTL < 0 || body.TTL > maxLeaseTTL {
		probs = append(probs, Problem{Field: "ttl_s", Code: "range.seconds", Params: map[string]any{"value": body.TTL, "max": maxLeaseTTL, "default": 30}, Problem: "must be 1 to 600 seconds (0: 30)"})
	}
	if len(probs) > 0 {
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: probs[0].Field + ": " + probs[0].Problem, Problems: probs}
	}
	if body.TTL == 0 {
		body.TTL = defaultLeaseTTL
	}
	if err := a.reserveLease(); err != nil {
		return err
	}
	id := r.PathValue("id")
	l := &lease{id: rand.Text(), call: id, name: controllerName(who(r)), ttl: time.Duration(body.TTL) * time.Second}
	ctl, err := a.opt.Calls.Accept(id, body.Key, call.AcceptOptions{Name: l.name, TTL: l.ttl,
		Hooks: call.Hooks{OnEnd: func(string) { a.dropLease(l) }}}, body.Reaccept)
	if err != nil {
		a.unreserveLease()
		return callError(err)
	}
	l.ctl = ctl
	if c := a.opt.Calls.Call(id); c != nil {
		info := c.Info()
		l.call, l.leg = info.ID, info.Leg
	}
	a.addLease(l)
	a.log.Info("admin: call control accepted", "call", l.call, "controller", l.name, "reaccept", body.Reaccept,
		"ttl", l.ttl, "addr", clientAddr(r))
	writeJSON(w, http.StatusCreated, leaseJSON{Lease: l.id, TTLS: body.TTL, Controller: l.name})
	return nil
}

// controllerName names an HTTP controller after who made the request: the
// token's name, or the session (a digest: the cookie is a secret).
func controllerName(p principal) string {
	if p.token != "" {
		return "admin:" + p.tokenName
	}
	sum := sha256.Sum256([]byte(p.session))
	return "admin:session-" + hex.EncodeToString(sum[:4])
}

// reserveLease makes room for one more lease (409 when maxLeases are held);
// addLease or unreserveLease follows.
func (a *API) reserveLease() error {
	a.leaseMu.Lock()
	defer a.leaseMu.Unlock()
	for id, l := range a.leases {
		if ended(l.ctl) {
			delete(a.leases, id)
		}
	}
	if len(a.leases)+a.leasing >= maxLeases {
		return httpErr(http.StatusConflict, "too many call controls held (%d): release some first", maxLeases)
	}
	a.leasing++
	return nil
}

func (a *API) unreserveLease() {
	a.leaseMu.Lock()
	a.leasing--
	a.leaseMu.Unlock()
}

// addLease keeps l, unless its control has ended already (its OnEnd may
// have run before l was kept).
func (a *API) addLease(l *lease) {
	a.leaseMu.Lock()
	defer a.leaseMu.Unlock()
	a.leasing--
	if !ended(l.ctl) {
		a.leases[l.id] = l
	}
}

// dropLease forgets l (its control ended).
func (a *API) dropLease(l *lease) {
	a.leaseMu.Lock()
	defer a.leaseMu.Unlock()
	if a.leases[l.id] == l {
		delete(a.leases, l.id)
	}
}

// releaseLeases gives every call held by a lease back to its IVR.
func (a *API) releaseLeases() {
	a.leaseMu.Lock()
	held := make([]*lease, 0, len(a.leases))
	for id, l := range a.leases {
		held = append(held, l)
		delete(a.leases, id)
	}
	a.leaseMu.Unlock()
	for _, l := range held {
		l.ctl.Release()
	}
}

// ended reports whether ctl's control is over.
func ended(ctl Controller) bool {
	select {
	case <-ctl.Done():
		return true
	default:
		return false
	}
}

// leaseOf returns the lease of the path's {lease} on the path's call {id},
// or 404.
func (a *API) leaseOf(r *http.Request) (*lease, error) {
	id, call := r.PathValue("lease"), r.PathValue("id")
	a.leaseMu.Lock()
	defer a.leaseMu.Unlock()
	l := a.leases[id]
	if l != nil && ended(l.ctl) {
		delete(a.leases, id)
		l = nil
	}
	if l == nil || (call != l.call && call != l.leg) {
		return nil, httpErr(http.StatusNotFound,
			"no control %q of call %q: it was released, taken over, lost or the call ended", id, call)
	}
	return l, nil
}

// postCommand submits a command through a lease: 202 {"id": N}, or with
// ?wait=1 its result once it ends (at most maxCommandWait; the command is
// stopped if the request ends first).
func (a *API) postCommand(w http.ResponseWriter, r *http.Request) error {
	wait, err := boolParam(r, "wait")
	if err != nil {
		return err
	}
	var body commandJSON
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	cmd, err := body.command()
	if err != nil {
		return err
	}
	l, err := a.leaseOf(r)
	if err != nil {
		return err
	}
	o, err := l.ctl.Submit(cmd)
	if err != nil {
		return callError(err)
	}
	if !wait {
		writeJSON(w, http.StatusAccepted, map[string]uint64{"id": o.ID()})
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), maxCommandWait)
	defer cancel()
	select {
	case <-o.Done():
	case <-ctx.Done():
	case <-a.closing:
	}
	if !isDone(o) {
		o.Cancel()
		t := time.NewTimer(cancelWait)
		defer t.Stop()
		select {
		case <-o.Done():
		case <-t.C:
			return httpErr(http.StatusGatewayTimeout, "command %d did not end in time", o.ID())
		}
	}
	writeJSON(w, http.StatusOK, newResultJSON(o.Result()))
	return nil
}

func isDone(o Op) bool {
	select {
	case <-o.Done():
		return true
	default:
		return false
	}
}

// postControlTouch renews a lease.
func (a *API) postControlTouch(w http.ResponseWriter, r *http.Request) error {
	l, err := a.leaseOf(r)
	if err != nil {
		return err
	}
	l.ctl.Touch()
	return noContent(w)
}

// postControlStop stops the lease's running command and drops its queued
// ones.
func (a *API) postControlStop(w http.ResponseWriter, r *http.Request) error {
	l, err := a.leaseOf(r)
	if err != nil {
		return err
	}
	l.ctl.Stop()
	return noContent(w)
}

// deleteControl releases the call: its IVR carries on.
func (a *API) deleteControl(w http.ResponseWriter, r *http.Request) error {
	l, err := a.leaseOf(r)
	if err != nil {
		return err
	}
	l.ctl.Release()
	a.dropLease(l)
	a.log.Info("admin: call control released", "call", l.call, "controller", l.name, "addr", clientAddr(r))
	return noContent(w)
}

// boolParam reads the query parameter name: "1" or "true", "0", "false"
// or absent; 400 for anything else.
func boolParam(r *http.Request, name string) (bool, error) {
	switch s := r.URL.Query().Get(name); s {
	case "1", "true":
		return true, nil
	case "", "0", "false":
		return false, nil
	default:
		return false, httpErr(http.StatusBadRequest, "%s=%q: want 1 or 0", name, s)
	}
}
