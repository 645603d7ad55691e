package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strconv"

	sipmsg "github.com/emiago/sipgo/sip"
)

// onReInvite handles an INVITE within a dialog (hold, unhold, session
// refresh, target refresh) on the goroutine sipgo gave it, waiting there for
// the ACK of our 200 OK.
func (s *Server) onReInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	s.respond(tx, req, 100, "")     // also stops sipgo's own 100 timer racing us on req
	if s.onClientRequest(req, tx) { // a callee of ours
		return
	}
	d := s.dialogFor(req, tx)
	if d == nil {
		return
	}
	offer, err := sdpBody(req)
	if err != nil {
		s.respond(tx, req, 415, "", sipmsg.NewHeader("Accept", "application/sdp"))
		return
	}
	f, cur, ok := d.beginReInvite()
	if !ok {
		if d.Cause() != "" {
			s.respond(tx, req, 481, "")
			return
		}
		// RFC 3261 section 14.2: we are still answering the previous offer.
		s.respond(tx, req, 500, "", sipmsg.NewHeader("Retry-After", strconv.Itoa(rand.IntN(10))))
		return
	}
	answer, err := d.answerReInvite(f, cur, offer)
	if err != nil {
		d.endReInvite(nil, nil, nil)
		code, reason := statusOf(err)
		s.log.Info("re-INVITE refused", "call_id", d.callID, "status", code, "error", err)
		s.respond(tx, req, code, reason)
		return
	}
	res := d.reInviteResponse(req, answer)
	acks := make(chan *sipmsg.Request, 1)
	d.endReInvite(req, answer, acks)
	defer d.forgetAck(req.CSeq().SeqNo)
	if err := tx.Respond(res); err != nil {
		s.log.Info("re-INVITE 200 failed", "call_id", d.callID, "error", err)
		return
	}
	ack, err := d.awaitAck(context.Background(), tx, res, acks)
	if err != nil {
		return
	}
	if offer == nil && f != nil && len(ack.Body()) > 0 { // the caller's answer to our offer
		if _, err := callReInvite(f, ack.Body()); err != nil {
			s.log.Info("answer in ACK refused", "call_id", d.callID, "error", err)
		}
	}
}

// answerReInvite returns our answer to a re-INVITE's offer, or our current
// SDP (as an offer) when it has none.
func (d *Dialog) answerReInvite(f func([]byte) ([]byte, error), cur, offer []byte) ([]byte, error) {
	if offer == nil || f == nil {
		return cur, nil
	}
	answer, err := callReInvite(f, offer)
	if err != nil {
		return nil, err
	}
	if len(answer) == 0 {
		answer = cur
	}
	return answer, nil
}

// beginReInvite marks a re-INVITE in progress and returns the callback and
// our current SDP; false if the dialog is not answered or one is running. A
// re-INVITE may overtake the ACK of our 200 (RFC 5407 section 3.1.4): that
// ACK is still awaited by Answer.
func (d *Dialog) beginReInvite() (func([]byte) ([]byte, error), []byte, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if (d.state != stateConfirmed && d.state != stateAnswered) || d.reinvite {
		return nil, nil, false
	}
	d.reinvite = true
	return d.onReInvite, d.sdp, true
}

// endReInvite ends the offer/answer of a re-INVITE. With req, the answer
// was accepted: it records our new SDP and the peer's new Contact (a target
// refresh) and registers acks for the ACK of our 200.
func (d *Dialog) endReInvite(req *sipmsg.Request, answer []byte, acks chan *sipmsg.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reinvite = false
	if req == nil {
		return
	}
	d.sdp = answer
	if c := req.Contact(); c != nil && c.Address.Host != "" {
		d.remoteTarget = *c.Address.Clone()
	}
	if d.reAcks == nil {
		d.reAcks = make(map[uint32]chan *sipmsg.Request, 1)
	}
	d.reAcks[req.CSeq().SeqNo] = acks
}

// forgetAck drops the ACK waiter of a re-INVITE.
func (d *Dialog) forgetAck(cseq uint32) {
	d.mu.Lock()
	delete(d.reAcks, cseq)
	d.mu.Unlock()
}

// reInviteResponse builds the 200 OK to a re-INVITE.
func (d *Dialog) reInviteResponse(req *sipmsg.Request, answer []byte) *sipmsg.Response {
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", answer)
	res.AppendHeader(d.contact())
	res.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	if answer != nil {
		res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	}
	res.AppendHeader(sipmsg.NewHeader("Server", d.srv.opts.UserAgent))
	return res
}

// callReInvite runs an OnReInvite callback, turning a panic into a 500.
func callReInvite(f func([]byte) ([]byte, error), offer []byte) (answer []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &StatusError{Code: 500, Err: fmt.Errorf("OnReInvite panicked: %v\n%s", r, debug.Stack())}
		}
	}()
	answer, err = f(offer)
	if err != nil && !errors.As(err, new(*StatusError)) {
		err = &StatusError{Code: 500, Err: err}
	}
	return answer, err
}
