package sip

import (
	"runtime/debug"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// route registers our callbacks with sipgo.
func (s *Server) route() {
	s.sg.OnInvite(s.serve(s.onInvite))
	s.sg.OnAck(s.serve(s.onAck))
	s.sg.OnBye(s.serve(s.onBye))
	s.sg.OnCancel(s.serve(s.onCancel))
	s.sg.OnInfo(s.serve(s.onInfo))
	s.sg.OnOptions(s.serve(s.onOptions))
	s.sg.OnRegister(s.serve(s.onRegister))
	s.sg.OnRefer(s.serve(s.onRefer))
	s.sg.OnNoRoute(s.serve(s.onNoRoute))
}

// serve wraps a callback: counted for Close, dropped once stopped, and a
// panic answers 500 instead of killing the process.
func (s *Server) serve(f sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if !s.enterRequest() {
			return
		}
		defer s.reqs.Done()
		if !s.admitted(req, tx) {
			return
		}
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("request callback panicked", "method", req.Method, "call_id", callID(req), "panic", r, "stack", string(debug.Stack()))
				if !req.IsAck() {
					s.respond(tx, req, 500, "")
				}
			}
		}()
		markReceived(req)
		if code, reason, hdrs := validate(req); code != 0 {
			if !req.IsAck() {
				s.respond(tx, req, code, reason, hdrs...)
			}
			return
		}
		f(req, tx)
	}
}

// respond answers req with a status and our Server header.
func (s *Server) respond(tx sipmsg.ServerTransaction, req *sipmsg.Request, code int, reason string, hdrs ...sipmsg.Header) {
	if reason == "" {
		reason = reasonPhrase(code)
	}
	res := sipmsg.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	res.AppendHeader(sipmsg.NewHeader("Server", s.opts.UserAgent))
	if err := tx.Respond(res); err != nil {
		s.log.Debug("respond failed", "method", req.Method, "status", code, "call_id", callID(req), "error", err)
	}
}

// onAck hands an ACK for a 2xx to its dialog; ACKs of failure responses are
// absorbed by sipgo's INVITE transaction and never get here.
func (s *Server) onAck(req *sipmsg.Request, _ sipmsg.ServerTransaction) {
	d := s.lookup(req)
	if d == nil || req.CSeq() == nil {
		s.log.Debug("ACK outside any dialog", "call_id", callID(req))
		return
	}
	seq := req.CSeq().SeqNo
	var ch chan *sipmsg.Request
	d.mu.Lock()
	switch {
	case d.state == stateAnswered && seq == d.inviteCSeq:
		d.state, ch = stateConfirmed, d.acks
	default:
		ch = d.reAcks[seq]
		delete(d.reAcks, seq)
	}
	d.mu.Unlock()
	if ch != nil {
		select {
		case ch <- req:
		default: // a retransmitted ACK
		}
	}
}

// onBye ends a dialog at the caller's request.
func (s *Server) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if s.onClientRequest(req, tx) {
		return
	}
	d := s.dialogFor(req, tx)
	if d == nil {
		return
	}
	s.respond(tx, req, 200, "")
	if _, early := d.closing(stateEarly); early { // the INVITE gets 487 (RFC 3261 section 15.1.2)
		if err := d.tx.Respond(d.response(487, "", nil)); err != nil {
			s.log.Debug("487 after BYE failed", "call_id", d.callID, "error", err)
		}
	}
	d.end(CauseBye)
}

// onCancel answers a CANCEL that matched no INVITE transaction; sipgo
// handles matching ones itself (200 to the CANCEL, 487 to the INVITE) and
// tells the dialog through its OnCancel hook.
func (s *Server) onCancel(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	s.respond(tx, req, 481, "")
}

// onOptions answers keepalives and capability queries.
func (s *Server) onOptions(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") && s.lookup(req) == nil {
		s.respond(tx, req, 481, "")
		return
	}
	if to := req.To(); (to == nil || !to.Params.Has("tag")) && s.refuseDraining(req, tx) {
		return
	}
	s.respond(tx, req, 200, "",
		sipmsg.NewHeader("Allow", allowed),
		sipmsg.NewHeader("Accept", "application/sdp, application/dtmf-relay, application/dtmf"),
		sipmsg.NewHeader("Accept-Language", "en"))
}

// onNoRoute refuses methods we do not implement, saying which we do: 405
// for a method we know, 501 for one we do not (RFC 3261 section 8.2.1).
func (s *Server) onNoRoute(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	s.respond(tx, req, methodStatus(string(req.Method)), "", sipmsg.NewHeader("Allow", allowed))
}

// dialogFor finds the dialog of an in-dialog request and checks its CSeq; when
// either fails it answers (481, or 500 CSeq Out of Order) and returns nil.
func (s *Server) dialogFor(req *sipmsg.Request, tx sipmsg.ServerTransaction) *Dialog {
	d := s.lookup(req)
	if d == nil {
		s.respond(tx, req, 481, "")
		return nil
	}
	if err := d.checkCSeq(req); err != nil {
		s.respond(tx, req, 500, "CSeq Out of Order")
		return nil
	}
	return d
}
