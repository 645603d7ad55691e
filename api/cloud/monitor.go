package cloud

import (
	"net/http"
)

// monitor starts the call's monitor fork (caller's side to crtp, the box's
// to artp), replacing the one before. It is the application's first
// request, like a media request.
func (s *session) monitor(r *http.Request, crtp, artp string) *Error {
	if _, e := s.control(); e != nil {
		return e
	}
	c := s.a.calls.Call(s.callID)
	if c == nil {
		return errf(CodeNoCall, "call %.80q has ended", s.callID)
	}
	s.unmonitor()
	f, err := c.StartFork(r.Context(), crtp, artp, "cloud")
	if err != nil {
		return fromCall(err)
	}
	s.mu.Lock()
	s.fork = f.ID
	s.mu.Unlock()
	s.a.log.Info("cloud api: monitor", "call", s.callID, "c-rtp", crtp, "a-rtp", artp, "fork", f.ID)
	return nil
}

// unmonitor stops the call's monitor fork, if it has one.
func (s *session) unmonitor() {
	s.mu.Lock()
	id := s.fork
	s.fork = ""
	s.mu.Unlock()
	if id == "" {
		return
	}
	c := s.a.calls.Call(s.callID)
	if c == nil {
		return // the fork ended with the call
	}
	if err := c.StopFork(id); err != nil {
		s.a.log.Debug("cloud api: monitor already gone", "call", s.callID, "fork", id, "err", err)
	}
}
