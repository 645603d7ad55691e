package ws

import "github.com/ivrbox/ivrbox/firmware/call"

// ctlReq is the body of accept, reaccept, abort and terminate.
type ctlReq struct {
	Key   string `json:"key"`
	IVRID string `json:"ivrid"`
}

// target reads a control request and finds its session.
func (c *conn) target(f frame) (*session, ctlReq, *Error) {
	var r ctlReq
	if e := f.decode(&r); e != nil {
		return nil, r, e
	}
	if r.Key == "" {
		return nil, r, errf(CodeMalformed, "key is required (the key of api_start)")
	}
	s, e := c.a.byIVRID(r.IVRID)
	return s, r, e
}

func (c *conn) accept(f frame) (any, *Error)   { return c.take(f, false) }
func (c *conn) reaccept(f frame) (any, *Error) { return c.take(f, true) }

// take accepts (first wins) or re-accepts (takes over) the step of a call.
func (c *conn) take(f frame, over bool) (any, *Error) {
	s, r, e := c.target(f)
	if e != nil {
		return nil, e
	}
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	st, e := s.checkKey(r.Key)
	if e != nil {
		return nil, e
	}
	if _, mine := s.current(c); mine && !over {
		return map[string]any{"result": "ok", "ivrid": s.ivrid}, nil
	}
	opt := call.AcceptOptions{Name: c.name, Hooks: s.hooks(c)}
	var ctl *call.Control
	var err error
	if over {
		ctl, err = c.a.opt.Calls.Reaccept(s.callID, r.Key, opt)
	} else {
		ctl, err = c.a.opt.Calls.Accept(s.callID, r.Key, opt)
	}
	if err != nil {
		return nil, fromCall(err)
	}
	if !s.take(c, st, ctl) {
		return nil, errr(CodeNotFound, "no-step", "the step of %s ended meanwhile", s.ivrid)
	}
	c.a.log.Info("ws: control taken", "ivrid", s.ivrid, "conn", c.id, "reaccept", over)
	return map[string]any{"result": "ok", "ivrid": s.ivrid}, nil
}

// abort hands the call back: the IVR runs the step's next action.
func (c *conn) abort(f frame) (any, *Error) {
	s, r, e := c.target(f)
	if e != nil {
		return nil, e
	}
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	_, ctl, e := s.owned(c, r.Key)
	if e != nil {
		return nil, e
	}
	c.replyWith(f.name+resultSuffix, f.qid, map[string]any{"result": "ok"}, nil)
	ctl.Release()
	return deferred{}, nil
}

// terminate stops the running component; the answer comes once it has
// stopped (after its ivrapi_component_stopped).
func (c *conn) terminate(f frame) (any, *Error) {
	s, r, e := c.target(f)
	if e != nil {
		return nil, e
	}
	_, ctl, e := s.owned(c, r.Key)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	comp := s.comp
	if comp == nil {
		s.mu.Unlock()
		return nil, errr(CodeConflict, "no-component", "no component runs on %s", s.ivrid)
	}
	comp.terminated = true
	comp.terminates = append(comp.terminates, &pending{c: c, name: f.name + resultSuffix, qid: f.qid})
	s.mu.Unlock()
	ctl.Stop()
	return deferred{}, nil
}
