package sip

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"weak"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Causes reported by Dialog.Cause.
const (
	CauseBye        = "bye"         // the caller hung up (BYE)
	CauseCancel     = "cancel"      // the caller gave up before the answer (CANCEL)
	CauseHangup     = "hangup"      // we hung up (Hangup, or the package after the handler)
	CauseAckTimeout = "ack-timeout" // the caller never acknowledged our 200 OK
	CauseRejected   = "rejected"    // we answered with a failure status (Reject)
	CauseError      = "error"       // sending a response failed
)

type state int

const (
	stateEarly     state = iota // INVITE received, no final response yet
	stateAnswered               // 200 OK sent, no ACK yet
	stateConfirmed              // ACK received
	stateClosing                // our final failure response or BYE is on its way
	stateEnded
)

// Dialog is one call taken by the Server. Its methods are safe for
// concurrent use; Ringing, Answer and Reject are meant for the handler.
type Dialog struct {
	srv *Server
	tx  sipmsg.ServerTransaction
	// invite is our copy of the INVITE with our To tag; every lazily parsed
	// header was parsed at creation, so it is read-only and safe to share.
	invite *sipmsg.Request
	key    string

	callID, from, fromName, to string
	fromTag, toTag             string // the caller's tag and ours
	source                     netip.AddrPort
	transport                  string
	offer                      []byte
	local                      netip.AddrPort
	inviteCSeq                 uint32

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	acks   chan *sipmsg.Request // the ACK for our 200 OK to the INVITE

	mu           sync.Mutex // guards the fields below
	state        state
	cause        string
	sdp          []byte                          // our current session description
	remoteTarget sipmsg.Uri                      // the peer's Contact, updated by re-INVITEs
	localCSeq    uint32                          // last CSeq we sent in the dialog
	remoteCSeq   uint32                          // highest CSeq the peer sent in the dialog
	reinvite     bool                            // a re-INVITE's offer is being answered
	reAcks       map[uint32]chan *sipmsg.Request // by CSeq: ACKs awaited for our 2xx to re-INVITEs
	onReInvite   func(offer []byte) ([]byte, error)
	onInfo       func(key byte)
	onRefer      func(target string, report func(error)) error
}

// newDialog builds the dialog for a new INVITE: our To tag, the caller's
// identity, and a CANCEL hook. It fails if the INVITE was already cancelled.
func newDialog(s *Server, req *sipmsg.Request, tx sipmsg.ServerTransaction, offer []byte) (*Dialog, error) {
	inv := req.Clone()
	touch(inv)
	localTag := sipmsg.GenerateTagN(16)
	inv.To().Params.Add("tag", localTag)
	remoteTag, _ := inv.From().Params.Get("tag")
	src, _ := netip.ParseAddrPort(req.Source())
	d := &Dialog{
		srv: s, tx: tx, invite: inv,
		key:        dialogKey(inv.CallID().Value(), localTag, remoteTag),
		callID:     inv.CallID().Value(),
		fromTag:    remoteTag,
		toTag:      localTag,
		from:       inv.From().Address.User,
		fromName:   inv.From().DisplayName,
		to:         inv.Recipient.User,
		source:     netip.AddrPortFrom(src.Addr().Unmap(), src.Port()),
		transport:  sipmsg.NetworkToUpper(req.Transport()),
		offer:      offer,
		inviteCSeq: inv.CSeq().SeqNo,
		done:       make(chan struct{}),
		acks:       make(chan *sipmsg.Request, 1),
		remoteCSeq: inv.CSeq().SeqNo,
	}
	if c := inv.Contact(); c != nil {
		d.remoteTarget = *c.Address.Clone()
	} else {
		d.remoteTarget = *inv.From().Address.Clone() // RFC 2543 (RFC 4475 section 3.4)
	}
	d.local = s.localAddr(d.transport, d.source)
	d.ctx, d.cancel = context.WithCancel(s.base)
	// sipgo keeps the transaction, and so its CANCEL hook, for 64*T1 after
	// the call; the hook holds d weakly so a finished dialog goes at once
	// (while it is up, the server's dialog list holds it).
	wd := weak.Make(d)
	if !tx.OnCancel(func(*sipmsg.Request) {
		if d := wd.Value(); d != nil {
			d.cancelled()
		}
	}) {
		d.cancel()
		return nil, fmt.Errorf("%w: %s", ErrEnded, CauseCancel)
	}
	return d, nil
}

// touch parses every header this package reads, so later reads from several
// goroutines do not race on sipgo's lazy parsing.
func touch(r *sipmsg.Request) {
	r.Via()
	r.From()
	r.To()
	r.CallID()
	r.CSeq()
	r.Contact()
	r.MaxForwards()
	r.ContentLength()
	r.ContentType()
	r.Route()
	r.RecordRoute()
}

// CallID returns the Call-ID header.
func (d *Dialog) CallID() string { return d.callID }

// Tags returns the dialog's From tag (the caller's) and To tag (ours).
func (d *Dialog) Tags() (from, to string) { return d.fromTag, d.toTag }

// From returns the user part of the From URI: the caller's number.
func (d *Dialog) From() string { return d.from }

// FromName returns the From display name, possibly empty.
func (d *Dialog) FromName() string { return d.fromName }

// To returns the user part of the Request-URI: the dialled number.
func (d *Dialog) To() string { return d.to }

// Source returns the address the INVITE came from.
func (d *Dialog) Source() netip.AddrPort { return d.source }

// Transport returns "UDP", "TCP" or "TLS".
func (d *Dialog) Transport() string { return d.transport }

// LocalAddr returns our signalling address as the caller reaches it; its IP
// is the one to put in our SDP's c= line.
func (d *Dialog) LocalAddr() netip.AddrPort { return d.local }

// Offer returns the INVITE's SDP body, nil for a late-offer INVITE (then our
// 200 OK carries the offer and the ACK the answer).
func (d *Dialog) Offer() []byte { return d.offer }

// Done is closed when the dialog ends for any reason.
func (d *Dialog) Done() <-chan struct{} { return d.done }

// Cause returns why the dialog ended (one of the Cause constants), "" while
// it is up.
func (d *Dialog) Cause() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cause
}

// OnReInvite sets the function that answers re-INVITEs (hold, unhold,
// refresh); set it before Answer. It runs on a sipgo goroutine, concurrently
// with the handler, and must not block for long. For a re-INVITE with SDP, f
// gets the offer and returns our answer; an error answers the re-INVITE with
// its StatusError code (e.g. 488) or 500, and the call continues. For a
// re-INVITE without SDP the package offers our current SDP and, when the ACK
// brings the caller's answer, calls f with it and ignores the result. Without
// f, every re-INVITE is answered with our current SDP.
func (d *Dialog) OnReInvite(f func(offer []byte) (answer []byte, err error)) {
	d.mu.Lock()
	d.onReInvite = f
	d.mu.Unlock()
}

// OnInfo sets the function that receives keys sent as SIP INFO
// (application/dtmf-relay or application/dtmf): '0'-'9', '*', '#', 'A'-'D'.
// It runs on a sipgo goroutine after the INFO was answered 200, and must not
// block for long.
func (d *Dialog) OnInfo(f func(key byte)) {
	d.mu.Lock()
	d.onInfo = f
	d.mu.Unlock()
}

// end moves the dialog to its final state once; it reports whether this call
// did. It must not call into the sipgo transaction (it runs inside sipgo's
// CANCEL callback).
func (d *Dialog) end(cause string) bool {
	d.mu.Lock()
	if d.state == stateEnded {
		d.mu.Unlock()
		return false
	}
	d.state, d.cause = stateEnded, cause
	// The hooks hold the call (and through it its media); sipgo keeps the
	// INVITE transaction, whose CANCEL hook holds d, for 64*T1 after the
	// call: drop them so a finished call is freed at once.
	d.onReInvite, d.onInfo, d.onRefer = nil, nil, nil
	d.mu.Unlock()
	close(d.done)
	d.cancel()
	d.srv.forget(d)
	d.srv.log.Info("call ended", "call_id", d.callID, "cause", cause)
	return true
}

// cancelled runs in sipgo's CANCEL handling, after it answered the CANCEL
// 200 and while it answers the INVITE 487.
func (d *Dialog) cancelled() {
	d.mu.Lock()
	early := d.state == stateEarly
	d.mu.Unlock()
	if early {
		d.end(CauseCancel)
	}
}

// endedErr describes why an operation found the dialog ended.
func (d *Dialog) endedErr() error {
	return fmt.Errorf("%w: %s", ErrEnded, d.Cause())
}

// earlyLocked checks that the dialog is still early, for Ringing, Answer
// and Reject. d.mu must be held.
func (d *Dialog) earlyLocked() error {
	switch d.state {
	case stateEarly:
		return nil
	case stateClosing:
		return fmt.Errorf("%w: closing", ErrEnded)
	case stateEnded:
		return fmt.Errorf("%w: %s", ErrEnded, d.cause)
	}
	return ErrAnswered
}

// closing claims the right to end the dialog ourselves: it moves a dialog in
// one of the states from to stateClosing and returns the state it was in,
// or false if it was in none of them.
func (d *Dialog) closing(from ...state) (state, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, st := range from {
		if d.state == st {
			d.state = stateClosing
			return st, true
		}
	}
	return d.state, false
}

// checkCSeq records the CSeq of an in-dialog request from the peer; a lower
// one than seen before is out of order (RFC 3261 section 12.2.2).
func (d *Dialog) checkCSeq(req *sipmsg.Request) error {
	cseq := req.CSeq()
	if cseq == nil {
		return errors.New("no CSeq")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if cseq.SeqNo < d.remoteCSeq {
		return fmt.Errorf("CSeq %d below %d", cseq.SeqNo, d.remoteCSeq)
	}
	d.remoteCSeq = cseq.SeqNo
	return nil
}
