package sip

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// referNotifyTimeout bounds each NOTIFY reporting a transfer's progress.
const referNotifyTimeout = 10 * time.Second

// referOutcomeTimeout bounds the wait for a transfer's outcome; past it
// the final NOTIFY says 408.
const referOutcomeTimeout = 3 * time.Minute

// OnRefer sets the function that checks and starts a blind transfer the
// caller asks for with REFER (RFC 3515). It gets the Refer-To URI on a
// sipgo goroutine and must return quickly: an error refuses the REFER with
// its StatusError's status (else 603 Decline); nil accepts it (202) and
// the caller is told "100 Trying". Then whoever carries out the transfer
// calls report once with the new leg's outcome, which the final NOTIFY
// gives as its status line: "SIP/2.0 200 OK" for nil, else the
// StatusError's status (486 Busy Here...) or 503. report returns once
// that NOTIFY is done (at once when called from f itself), so a caller
// hung up after a failed transfer hears the outcome first. Without f,
// REFER is refused (603).
func (d *Dialog) OnRefer(f func(target string, report func(error)) error) {
	d.mu.Lock()
	d.onRefer = f
	d.mu.Unlock()
}

var errReferTo = errors.New("bad Refer-To")

// referReport carries one REFER's outcome from report to the final NOTIFY.
type referReport struct {
	res     chan error    // the outcome (buffered 1)
	sent    chan struct{} // closed once the final NOTIFY is done (or not sent)
	started atomic.Bool   // OnRefer's f has returned
	once    sync.Once
}

// report hands the outcome on and, once f has returned, waits for the
// final NOTIFY.
func (r *referReport) report(ctx context.Context, err error) {
	r.once.Do(func() { r.res <- err })
	if r.started.Load() {
		select {
		case <-r.sent:
		case <-ctx.Done():
		}
	}
}

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
	rep := &referReport{res: make(chan error, 1), sent: make(chan struct{})}
	defer close(rep.sent)
	err = callRefer(f, target, func(err error) { rep.report(d.ctx, err) })
	rep.started.Store(true)
	if err != nil {
		code, reason := referStatus(err, 603)
		s.log.Info("transfer refused", "call_id", d.callID, "target", clip(target), "status", code, "error", err)
		s.respond(tx, req, code, reason)
		return
	}
	s.respond(tx, req, 202, "Accepted")
	s.log.Info("transfer requested", "call_id", d.callID, "target", clip(target))
	d.notifyRefer(100, "Trying", false)
	code, reason := 200, "OK"
	t := time.NewTimer(referOutcomeTimeout)
	defer t.Stop()
	select {
	case err = <-rep.res:
	case <-t.C:
		err = &StatusError{Code: 408, Reason: "Request Timeout", Err: errors.New("no outcome of the transfer")}
	case <-d.ctx.Done():
		return
	}
	if err != nil {
		code, reason = referStatus(err, 503)
		s.log.Info("transfer failed", "call_id", d.callID, "target", clip(target), "status", code, "error", err)
	}
	d.notifyRefer(code, reason, true)
}

// referStatus is the status of err: its StatusError's, else def.
func referStatus(err error, def int) (int, string) {
	var se *StatusError
	if !errors.As(err, &se) || se.Code < 300 || se.Code > 699 {
		return def, reasonPhrase(def)
	}
	if se.Reason == "" {
		return se.Code, reasonPhrase(se.Code)
	}
	return se.Code, se.Reason
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
func callRefer(f func(string, func(error)) error, target string, report func(error)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("OnRefer panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return f(target, report)
}
