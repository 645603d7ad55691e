package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"runtime/debug"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"
)

// errBodyType reports a body that is not SDP (415 Unsupported Media Type).
var errBodyType = errors.New("unsupported body type")

// onInvite takes a new INVITE: checks, then the Handler on this goroutine
// (the one sipgo gave the request). It sends no 100 Trying of its own:
// sipgo's server transaction sends one when nothing else went out within
// 200 ms (RFC 3261 section 17.2.1), and most calls are answered or refused
// sooner (a message less each way, a sixth of a short call's SIP).
func (s *Server) onInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		s.onReInvite(req, tx)
		return
	}
	if s.refuseDraining(req, tx) {
		return
	}
	if code, reason, hdrs := checkInvite(req); code != 0 {
		s.respond(tx, req, code, reason, hdrs...)
		return
	}
	offer, err := sdpBody(req)
	if err != nil {
		s.log.Info("INVITE body refused", "call_id", callID(req), "error", err)
		s.respond(tx, req, 415, "", sipmsg.NewHeader("Accept", "application/sdp"))
		return
	}
	if !s.enterInvite() {
		s.respond(tx, req, 503, "")
		return
	}
	defer s.invites.Done()
	d, err := newDialog(s, req, tx, offer)
	if err != nil {
		s.log.Info("INVITE gone before handling", "call_id", callID(req), "error", err)
		return
	}
	s.register(d)
	s.log.Debug("call", "call_id", d.callID, "from", d.from, "to", d.to, "source", d.source.String(), "transport", d.transport)
	panicked := s.callHandler(d)
	s.finish(d, panicked)
}

// checkInvite returns the failure status for an INVITE we cannot take, or 0.
func checkInvite(req *sipmsg.Request) (code int, reason string, hdrs []sipmsg.Header) {
	switch {
	case req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil:
		return 400, "Missing From, To, Call-ID or CSeq", nil
	case req.Contact() != nil && (req.Contact().Address.Wildcard || req.Contact().Address.Host == ""):
		return 400, "Bad Contact", nil // none at all: an RFC 2543 caller, reached at its From
	case req.MaxForwards() != nil && req.MaxForwards().Val() == 0:
		return 483, "", nil // we may forward the call (transfer): no hops left
	case !acceptsSDP(req):
		return 406, "", []sipmsg.Header{sipmsg.NewHeader("Accept", "application/sdp")}
	}
	var unsupported []string
	for _, h := range req.GetHeaders("Require") {
		for _, opt := range strings.Split(h.Value(), ",") {
			if opt = strings.TrimSpace(opt); opt != "" {
				unsupported = append(unsupported, opt)
			}
		}
	}
	if len(unsupported) > 0 { // we support no extensions (RFC 3261 section 8.2.2.3)
		return 420, "", []sipmsg.Header{sipmsg.NewHeader("Unsupported", strings.Join(unsupported, ", "))}
	}
	return 0, "", nil
}

// sdpBody returns a request's SDP body: the whole body for application/sdp,
// the SDP part of a multipart body; nil for an empty body.
func sdpBody(req *sipmsg.Request) ([]byte, error) {
	body := req.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	if h := req.GetHeader("Content-Encoding"); h != nil && !strings.EqualFold(strings.TrimSpace(h.Value()), "identity") {
		return nil, fmt.Errorf("%w: Content-Encoding %q", errBodyType, h.Value())
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("%w: Content-Type %q", errBodyType, ct)
	}
	switch {
	case mt == "application/sdp":
		return body, nil
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		return sdpPart(body, params["boundary"])
	}
	return nil, fmt.Errorf("%w: Content-Type %q", errBodyType, mt)
}

// sdpPart finds the application/sdp part of a multipart body (SIP-I/SIP-T
// trunks send SDP together with ISUP).
func sdpPart(body []byte, boundary string) ([]byte, error) {
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := r.NextPart()
		if err != nil {
			return nil, fmt.Errorf("%w: no application/sdp part (%v)", errBodyType, err)
		}
		mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if mt == "application/sdp" {
			part, err := io.ReadAll(io.LimitReader(p, 64<<10))
			if err != nil {
				return nil, fmt.Errorf("%w: multipart: %v", errBodyType, err)
			}
			return part, nil
		}
	}
}

// callHandler runs the Handler, recovering and logging a panic.
func (s *Server) callHandler(d *Dialog) (panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			panicked = true
			s.log.Error("call handler panicked", "call_id", d.callID, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	s.h.HandleInvite(d.ctx, d)
	return false
}

// finish ends a dialog its handler left up: BYE if answered, else 500
// after a panic, 503 while shutting down, 480 otherwise.
func (s *Server) finish(d *Dialog, panicked bool) {
	code := 480
	switch {
	case panicked:
		code = 500
	case s.isShuttingDown():
		code = 503
	}
	ctx, cancel := context.WithTimeout(context.Background(), autoHangupTimeout)
	defer cancel()
	if err := d.terminate(ctx, code, CauseHangup); err != nil {
		s.log.Info("hangup after handler", "call_id", d.callID, "error", err)
	}
}
