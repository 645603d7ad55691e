package sip

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// referNotifyTimeout bounds each NOTIFY reporting a transfer's progress.
const referNotifyTimeout = 10 * time.Second

// OnRefer sets the function that carries out a blind transfer the caller
// asks for with REFER (RFC 3515). It gets the Refer-To URI, runs on a
// sipgo goroutine after the REFER was accepted (202) and the caller told
// "100 Trying", and may take as long as the transfer does. Its result is
// reported to the caller in a final NOTIFY: "200 OK" for nil, else the
// StatusError's status or 603 Decline. Without f, REFER is refused (603).
func (d *Dialog) OnRefer(f func(target string) error) {
	d.mu.Lock()
	d.onRefer = f
	d.mu.Unlock()
}

var errReferTo = errors.New("bad Refer-To")

// onRefer accepts a REFER in a dialog and reports its outcome in NOTIFYs.
func (s *Server) onRefer(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	d := s.dialogFor(req, tx)
	if d == nil {
		return
	}
	target, err := referTarget(req)
	if err != nil {
		s.respond(tx, req, 400, "Bad Refer-To")
		return
	}
	d.mu.Lock()
	f, st := d.onRefer, d.state
	d.mu.Unlock()
	switch {
	case st != stateConfirmed && st != stateAnswered:
		s.respond(tx, req, 481, "")
		return
	case f == nil:
		s.respond(tx, req, 603, "")
		return
	}
	s.respond(tx, req, 202, "Accepted")
	s.log.Info("transfer requested", "call_id", d.callID, "target", target)
	d.notifyRefer(100, "Trying", false)
	code, reason := 200, "OK"
	if err := callRefer(f, target); err != nil {
		code, reason = statusOf(err)
		if code == 500 && !errors.As(err, new(*StatusError)) {
			code, reason = 603, reasonPhrase(603)
		}
		s.log.Info("transfer failed", "call_id", d.callID, "target", target, "error", err)
	}
	d.notifyRefer(code, reason, true)
}

// referTarget reads the URI of the Refer-To header.
func referTarget(req *sipmsg.Request) (string, error) {
	h := req.GetHeader("Refer-To")
	if h == nil {
		return "", fmt.Errorf("%w: missing", errReferTo)
	}
	var uri sipmsg.Uri
	params := sipmsg.NewParams()
	if _, err := sipmsg.ParseAddressValue(h.Value(), &uri, &params); err != nil || uri.Host == "" {
		return "", fmt.Errorf("%w: %q", errReferTo, clip(h.Value()))
	}
	return uri.String(), nil
}

// notifyRefer sends a NOTIFY with a message/sipfrag status line.
func (d *Dialog) notifyRefer(code int, reason string, final bool) {
	if d.Cause() != "" {
		return
	}
	req := d.newRequest(sipmsg.NOTIFY)
	req.AppendHeader(sipmsg.NewHeader("Event", "refer"))
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(sipmsg.NewHeader("Subscription-State", state))
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.SetBody([]byte("SIP/2.0 " + strconv.Itoa(code) + " " + reason + "\r\n"))
	ctx, cancel := context.WithTimeout(d.ctx, referNotifyTimeout)
	defer cancel()
	if res, err := d.do(ctx, req); err != nil || !res.IsSuccess() {
		d.srv.log.Info("NOTIFY for REFER failed", "call_id", d.callID, "error", err)
	}
}

// callRefer runs an OnRefer callback, turning a panic into an error.
func callRefer(f func(string) error, target string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("OnRefer panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return f(target)
}
