package sip

import (
	"context"
	"errors"
	"fmt"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Methods we answer, for Allow headers.
const allowed = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REFER, REGISTER"

// Ringing sends 180 Ringing.
func (d *Dialog) Ringing() error {
	d.mu.Lock()
	err := d.earlyLocked()
	d.mu.Unlock()
	if err != nil {
		return err
	}
	if err := d.tx.Respond(d.response(180, "", nil)); err != nil {
		return fmt.Errorf("sip: send 180: %w", err)
	}
	return nil
}

// Answer sends 200 OK with our SDP (our answer, or our offer for a
// late-offer INVITE) and a Contact, then waits for the ACK, retransmitting the
// 200 over UDP at T1, 2*T1 ... T2 (RFC 3261 section 13.3.1.4). It returns the
// ACK's body: the caller's answer in a late-offer call, usually nil otherwise.
// Without an ACK within 64*T1 (32 s) it hangs up and returns ErrAckTimeout.
// If ctx ends first it returns ctx's error and the call stays answered.
func (d *Dialog) Answer(ctx context.Context, sdp []byte) (ackBody []byte, err error) {
	if len(sdp) == 0 {
		return nil, errors.New("sip: Answer needs an SDP body")
	}
	res := d.response(200, "", sdp)
	d.mu.Lock()
	if err := d.earlyLocked(); err != nil {
		d.mu.Unlock()
		return nil, err
	}
	d.state, d.sdp = stateAnswered, sdp
	d.mu.Unlock()

	if err := d.tx.Respond(res); err != nil {
		cause := CauseError
		if errors.Is(err, sipmsg.ErrTransactionCanceled) {
			cause = CauseCancel
		}
		d.end(cause)
		return nil, fmt.Errorf("sip: send 200: %w", err)
	}
	d.srv.log.Debug("call answered", "call_id", d.callID)
	ack, err := d.awaitAck(ctx, d.tx, res, d.acks)
	if err != nil {
		return nil, err
	}
	d.confirmed()
	return ack.Body(), nil
}

// Reject answers the INVITE with a final failure status (300-699) and ends
// the dialog with cause "rejected". An empty reason uses the standard phrase.
func (d *Dialog) Reject(status int, reason string) error {
	return d.reject(status, reason, CauseRejected)
}

func (d *Dialog) reject(status int, reason, cause string, hdrs ...sipmsg.Header) error {
	if status < 300 || status > 699 {
		return fmt.Errorf("sip: reject status %d is not 300-699", status)
	}
	if _, ok := d.closing(stateEarly); !ok {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.earlyLocked()
	}
	res := d.response(status, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	err := d.tx.Respond(res)
	if errors.Is(err, sipmsg.ErrTransactionCanceled) {
		cause = CauseCancel
	}
	d.end(cause)
	if err != nil {
		return fmt.Errorf("sip: send %d: %w", status, err)
	}
	return nil
}

// response builds a response to the INVITE carrying our To tag, with our
// Contact on 1xx/2xx and the body as SDP.
func (d *Dialog) response(code int, reason string, body []byte) *sipmsg.Response {
	if reason == "" {
		reason = reasonPhrase(code)
	}
	res := sipmsg.NewResponseFromRequest(d.invite, code, reason, body)
	if code < 300 {
		res.AppendHeader(d.contact())
	}
	if code/100 == 2 {
		res.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	}
	if body != nil {
		res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	}
	res.AppendHeader(sipmsg.NewHeader("Server", d.srv.opts.UserAgent))
	return res
}

// contact returns our Contact header for this dialog.
func (d *Dialog) contact() *sipmsg.ContactHeader {
	return &sipmsg.ContactHeader{Address: contactURI(d.to, d.transport, d.local, isSecure(d.invite.Recipient))}
}

// awaitAck waits for the ACK of a 2xx sent on tx, retransmitting it over
// UDP. acks receives ACKs matched by dialog and CSeq; tx.Acks() those that
// matched the INVITE transaction itself (peers reusing the INVITE's branch).
// After 64*T1 without one it hangs up with cause "ack-timeout".
func (d *Dialog) awaitAck(ctx context.Context, tx sipmsg.ServerTransaction, res *sipmsg.Response, acks <-chan *sipmsg.Request) (*sipmsg.Request, error) {
	deadline := time.NewTimer(64 * sipmsg.T1)
	defer deadline.Stop()
	var retransmit <-chan time.Time
	interval := sipmsg.T1
	timer := time.NewTimer(interval)
	defer timer.Stop()
	if d.transport == "UDP" {
		retransmit = timer.C
	}
	for {
		select {
		case ack := <-acks:
			return ack, nil
		case ack := <-tx.Acks():
			return ack, nil
		case <-retransmit:
			if err := tx.Respond(res); err != nil {
				d.srv.log.Debug("200 OK retransmission failed", "call_id", d.callID, "error", err)
			}
			interval = min(2*interval, sipmsg.T2)
			timer.Reset(interval)
		case <-deadline.C:
			d.srv.log.Warn("no ACK for 200 OK, hanging up", "call_id", d.callID)
			ctx, cancel := context.WithTimeout(context.Background(), autoHangupTimeout)
			defer cancel()
			d.hangup(ctx, CauseAckTimeout)
			return nil, ErrAckTimeout
		case <-d.done:
			return nil, d.endedErr()
		case <-d.srv.closing:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// confirmed records the ACK for our 200 OK to the INVITE.
func (d *Dialog) confirmed() {
	d.mu.Lock()
	if d.state == stateAnswered {
		d.state = stateConfirmed
	}
	d.mu.Unlock()
}
