package ws

import (
	"strconv"
	"strings"
	"sync"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// ivridPrefix makes a call's ivrid ("ivr-1700000000.12") from its call id.
const ivridPrefix = "ivr-"

// session is one call's IVR session as the API sees it: the API-control
// step in progress (if any), the connection that controls it and the
// component that runs.
type session struct {
	a      *API
	callID string
	ivrid  string

	// ctlMu orders the requests that change who controls the call
	// (accept, reaccept, abort, apply). It is never held by the bus hook
	// or the call's hooks, so the call core may publish while it is held.
	ctlMu sync.Mutex

	mu    sync.Mutex // guards what follows; never held while calling the call core
	info  event.Call // the last snapshot
	step  *step      // the step in progress; nil between steps
	seq   int        // steps so far
	owner *conn
	ctl   *call.Control
	comp  *component
	oSeq  int // components so far
}

// step is one API-control step (api_start … api_stop).
type step struct {
	key, params, name string
	id                int
	temp              string // the step's temp folder (files session)
}

// sessionOf returns the session of call id, making it when make is set.
func (a *API) sessionOf(callID string, create bool) *session {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.sessions[callID]
	if s == nil && create {
		s = &session{a: a, callID: callID, ivrid: ivridPrefix + callID}
		a.sessions[callID] = s
	}
	return s
}

// byIVRID finds the session an ivrid names.
func (a *API) byIVRID(ivrid string) (*session, *Error) {
	if ivrid == "" {
		return nil, errf(CodeMalformed, "ivrid is required")
	}
	id, ok := strings.CutPrefix(ivrid, ivridPrefix)
	var s *session
	if ok {
		s = a.sessionOf(id, false)
	}
	if s == nil {
		return nil, errr(CodeNotFound, "unknown-ivrid", "no IVR session is named %.80q", ivrid)
	}
	return s, nil
}

// current returns the step in progress and whether c controls it.
func (s *session) current(c *conn) (*step, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.step, s.step != nil && s.owner == c && s.ctl != nil
}

// checkKey refuses a request for no step, or naming the wrong key.
func (s *session) checkKey(key string) (*step, *Error) {
	s.mu.Lock()
	st := s.step
	s.mu.Unlock()
	switch {
	case st == nil:
		return nil, errr(CodeNotFound, "no-step", "%s is in no API-control step now", s.ivrid)
	case key != st.key:
		return nil, errr(CodeForbidden, "wrong-key", "the key does not match the api_start of %s", s.ivrid)
	}
	return st, nil
}

// owned returns the control of a connection that owns the call, or the
// refusal.
func (s *session) owned(c *conn, key string) (*step, *call.Control, *Error) {
	st, e := s.checkKey(key)
	if e != nil {
		return nil, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.step != st || s.owner != c || s.ctl == nil {
		return nil, nil, errr(CodeForbidden, "not-owner", "this connection does not control %s (ivrapi_accept first)", s.ivrid)
	}
	return st, s.ctl, nil
}

// take makes c the owner of the step st with ctl, unless the step is over.
func (s *session) take(c *conn, st *step, ctl *call.Control) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.step != st {
		return false
	}
	if s.ctl != ctl {
		s.comp = nil // the component of the control taken over is being dropped
	}
	s.owner, s.ctl = c, ctl
	return true
}

// hooks are what a control of c hears.
func (s *session) hooks(c *conn) call.Hooks {
	return call.Hooks{
		OnKey:    s.onKey,
		OnResult: s.onResult,
		OnEnd:    func(reason string) { s.lost(c, reason) },
	}
}

// lost: a control of c ended (taken over, released, the step ended).
func (s *session) lost(c *conn, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.owner == c && reason != "taken over" {
		s.ctl = nil // the owner is kept until endStep, so that api_stop reaches it
	}
}

// connGone: the connection c closed; a call it controlled waits for a
// reaccept, then its step runs its fallback.
func (s *session) connGone(c *conn) {
	s.mu.Lock()
	ctl := s.ctl
	mine := s.owner == c && ctl != nil
	s.mu.Unlock()
	if mine {
		s.a.log.Info("ws: controller gone: waiting for a reaccept", "ivrid", s.ivrid, "conn", c.id)
		ctl.Orphan()
	}
}

// startStep records the step a ControlOffered event starts.
func (s *session) startStep(e event.Event) *step {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Call != nil {
		s.info = *e.Call
	}
	s.seq++
	ctl := e.Control
	st := &step{key: ctl.Key, params: ctl.Params, name: ctl.Name, id: ctl.ID,
		temp: s.ivrid + "-" + strconv.Itoa(s.seq)}
	s.step, s.owner, s.ctl, s.comp = st, nil, nil, nil
	return st
}

// endStep closes the step in progress (ControlEnded): the component, if
// any, is dropped and waiting terminates are answered.
func (s *session) endStep() (*step, []*pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.step
	var waiting []*pending
	if s.comp != nil {
		waiting = s.comp.terminates
	}
	s.step, s.owner, s.ctl, s.comp = nil, nil, nil, nil
	return st, waiting
}
