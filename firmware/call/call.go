package call

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/media/stream"
)

var (
	errEnded    = errors.New("call ended")
	errShutdown = errors.New("box shutting down")
	// ErrEnded is returned by a Call's methods once the call is over.
	ErrEnded = errEnded
	// ErrUnknownCall: no live call has that call id or leg id.
	ErrUnknownCall = errors.New("no such call")
	// ErrUnknownIVR: no IVR answers on that number.
	ErrUnknownIVR = errors.New("no such IVR")
	// ErrBusy: the box's call limit is reached.
	ErrBusy = errors.New("call limit reached")
	// ErrNoTrunk: the outbound route's trunks are all missing from the config.
	ErrNoTrunk = errors.New("no usable trunk")
	// ErrNotUp: the call cannot be transferred now (not answered yet, not
	// in an IVR, or ending).
	ErrNotUp = errors.New("call not in a state to transfer")
	// ErrNoAccount: a local account is not registered (no phone to call).
	ErrNoAccount = errors.New("account not registered")
)

// End causes a call can have besides the SIP ones (Cause, event CallEnded).
const (
	CauseAPI       = "api"         // hung up through an API
	CauseBusy      = "busy"        // the far end was busy (486, 600)
	CauseNoAnswer  = "no-answer"   // no answer in time (408, 480, 487 after our timeout)
	CauseRejected  = "rejected"    // declined (603) or refused (403, 404...)
	CauseUnavail   = "unavailable" // the trunk or far end could not be reached (5xx, network)
	CauseFailed    = "failed"      // any other failure
	CauseRemoteBye = "remote-bye"  // the far end hung up
)

// Info is a snapshot of a live call, for listings and the APIs.
type Info struct {
	ID        string    `json:"id"`                // the box's call id ("1700000000.12")
	Leg       string    `json:"leg"`               // the id of the leg to the caller or callee (inboundid/outboundid)
	SIPCallID string    `json:"sip_call_id"`       // the SIP Call-ID of that leg
	Dir       string    `json:"dir"`               // event.Inbound or event.Outbound
	From      string    `json:"from"`              // caller number (for an outbound call: the IVR that placed it)
	To        string    `json:"to"`                // called number (for an outbound call: the number dialled)
	Trunk     string    `json:"trunk,omitempty"`   // the trunk the call uses; "" for local callers
	FromExt   string    `json:"fromext,omitempty"` // the account whose permissions an API call uses
	IVR       string    `json:"ivr,omitempty"`     // the IVR the call is in
	State     string    `json:"state"`             // StateDialing, StateRinging or StateAnswered
	Codec     string    `json:"codec"`
	Started   time.Time `json:"started"`
	Answered  time.Time `json:"answered,omitzero"`
	Source    string    `json:"source"`            // the caller's (or callee's) signalling address
	Bridged   string    `json:"bridged,omitempty"` // the number the call is put through to, while bridged
}

// Call states (Info.State).
const (
	StateDialing  = "dialing"  // an outbound call before any answer from the far end
	StateRinging  = "ringing"  // ringing (180/183 sent or received)
	StateAnswered = "answered" // answered
)

// Call is one live call. Its methods are the call-control surface; they are
// safe to call from one controlling goroutine while the SIP layer and media
// shards deliver events concurrently.
type Call struct {
	m       *Manager
	d       *sip.Dialog // the inbound leg; nil for an outbound call
	log     *slog.Logger
	id      string
	leg     string
	dir     string
	from    string
	to      string
	trunk   string
	fromExt string
	start   time.Time
	ctx     context.Context
	cancel  context.CancelCauseFunc

	keys  chan byte     // keys waiting for Play/ReadKey
	flag  atomic.Int32  // next DTMF flag (index of the key in the call)
	audio atomic.Uint32 // negotiated codec (stream.Codec)

	mu       sync.Mutex        // guards the fields below
	out      *sip.ClientDialog // the outbound leg once answered
	source   netip.AddrPort
	sipID    string
	media    sdp.Media
	st       *stream.Stream
	local    sdpState
	ringing  bool
	answered time.Time
	hungUp   bool
	cause    string
	status   int
	reason   string
	ivr      string
	bridged  string
	// planned is the transfer Manager.Transfer checked, for Transfer to
	// carry out without resolving it again.
	planned *plannedTransfer
}

// plannedTransfer is a transfer target checked before the IVR engine hands
// the call to Transfer.
type plannedTransfer struct {
	number string
	tg     target
}

// sdpState is what we last told the peer in SDP.
type sdpState struct {
	addr            netip.AddrPort
	sessID, version uint64
}

// newCall makes a call with the manager's next ids.
func newCall(m *Manager, dir, from, to string, log *slog.Logger) *Call {
	ctx, cancel := context.WithCancelCause(context.Background())
	id, leg := m.ids()
	return &Call{
		m: m, log: log.With("id", id), id: id, leg: leg, dir: dir, from: from, to: to,
		start: time.Now(), ctx: ctx, cancel: cancel, keys: make(chan byte, 32),
		local: sdpState{sessID: uint64(time.Now().UnixNano()) & 0x7fffffffffff, version: 1},
	}
}

// newInboundCall wraps an INVITE's dialog.
func newInboundCall(m *Manager, d *sip.Dialog, media sdp.Media, trunk string, log *slog.Logger) *Call {
	c := newCall(m, event.Inbound, d.From(), d.To(), log)
	c.d, c.media, c.trunk, c.source, c.sipID = d, media, trunk, d.Source(), d.CallID()
	c.watch(d.Done(), d.Cause)
	d.OnInfo(func(key byte) { m.offerDigit(c, key, "info") })
	d.OnReInvite(c.reInvite)
	d.OnRefer(c.refer)
	return c
}

// refer carries out a blind transfer the caller asks for with REFER: the
// Refer-To user is the number, with the call's own permissions.
func (c *Call) refer(target string) error {
	number := referNumber(target)
	if number == "" {
		return &sip.StatusError{Code: 400, Reason: "Bad Request", Err: fmt.Errorf("refer-to %q names no number", target)}
	}
	if err := c.m.Transfer(c.ctx, c.id, number, ""); err != nil {
		return &sip.StatusError{Code: 403, Reason: "Forbidden", Err: err}
	}
	return nil
}

// referNumber is the user part of a Refer-To URI ("sip:6502@box" → "6502").
func referNumber(uri string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(uri, "sips:"), "sip:")
	user, _, ok := strings.Cut(s, "@")
	if !ok {
		return ""
	}
	user, _, _ = strings.Cut(user, ";")
	return user
}

// watch ends the call's context when a SIP leg ends (BYE, CANCEL).
func (c *Call) watch(done <-chan struct{}, cause func() string) {
	go func() {
		select {
		case <-done:
			c.setCause(causeOf(cause()))
			c.cancel(errEnded)
		case <-c.ctx.Done():
		}
	}()
}

// causeOf maps the dialog's end reason to a call end cause.
func causeOf(dialogCause string) string {
	switch dialogCause {
	case "bye":
		return "remote-bye"
	case "cancel":
		return "cancel"
	case "ack-timeout":
		return "ack-timeout"
	}
	return "normal"
}

// ev is an event of kind about this call, with its common fields set.
// c.mu must not be held.
func (c *Call) ev(kind event.Kind) event.Event {
	c.mu.Lock()
	trunk := c.trunk
	c.mu.Unlock()
	return event.Event{Kind: kind, CallID: c.id, Leg: c.leg, Dir: c.dir, Trunk: trunk, From: c.from, To: c.to}
}

// ID is the call's id (the SIP Call-ID).
func (c *Call) ID() string { return c.id }

// Done is closed when the call has ended or is ending.
func (c *Call) Done() <-chan struct{} { return c.ctx.Done() }

// Var returns a call variable for prompt names: EXTEN and CALLEE (the dialled
// number), CALLERID (the caller's number), CALLID.
func (c *Call) Var(name string) string {
	switch name {
	case "EXTEN", "CALLEE":
		return c.to
	case "CALLERID", "CALLERID(num)":
		return c.from
	case "CALLID":
		return c.id
	case "FROMEXT":
		return c.fromExt
	}
	return ""
}

// Info returns a snapshot for listings.
func (c *Call) Info() Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	state := StateDialing
	switch {
	case !c.answered.IsZero():
		state = StateAnswered
	case c.ringing || c.dir == event.Inbound:
		state = StateRinging
	}
	return Info{ID: c.id, Leg: c.leg, SIPCallID: c.sipID, Dir: c.dir, From: c.from, To: c.to,
		Trunk: c.trunk, FromExt: c.fromExt, IVR: c.ivr, State: state, Bridged: c.bridged,
		Codec: codecName(stream.Codec(c.audio.Load())), Started: c.start, Answered: c.answered,
		Source: c.source.String()}
}

// Cause is why the call ended ("" while it is up).
func (c *Call) Cause() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// setCause records the first end cause.
func (c *Call) setCause(cause string) {
	c.mu.Lock()
	if c.cause == "" {
		c.cause = cause
	}
	c.mu.Unlock()
}

// setFailure records the first end cause with the SIP failure behind it.
func (c *Call) setFailure(cause string, status int, reason string) {
	c.mu.Lock()
	if c.cause == "" {
		c.cause, c.status, c.reason = cause, status, reason
	}
	c.mu.Unlock()
}

// alive returns ErrEnded when the call or ctx is over.
func (c *Call) alive(ctx context.Context) error {
	if c.ctx.Err() != nil {
		return fmt.Errorf("call %s: %w", c.id, errEnded)
	}
	return ctx.Err()
}

// Ring sends 180 Ringing and waits d before returning, or less when the call
// ends or ctx is cancelled.
//
// An outbound call has been answered before it runs: Ring returns at once.
func (c *Call) Ring(ctx context.Context, d time.Duration) error {
	if c.d == nil {
		return c.alive(ctx)
	}
	if err := c.d.Ringing(); err != nil {
		return fmt.Errorf("ringing: %w", err)
	}
	c.mu.Lock()
	c.ringing = true
	c.mu.Unlock()
	c.m.opt.Bus.Publish(c.ev(event.CallRinging))
	if d <= 0 {
		return c.alive(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ctx.Done():
		return c.alive(ctx)
	}
}

// Hangup ends the call: BYE when answered, 480 before. It is idempotent; the
// first cause given is kept.
func (c *Call) Hangup(ctx context.Context, cause string) error {
	c.mu.Lock()
	if c.hungUp {
		c.mu.Unlock()
		return nil
	}
	c.hungUp = true
	answered := !c.answered.IsZero()
	out := c.out
	c.mu.Unlock()
	c.setCause(cause)
	defer c.cancel(errEnded)
	if c.d == nil { // outbound: BYE once answered; cancelling ctx stops the dialling
		if out == nil {
			return nil
		}
		ctx, done := context.WithTimeout(ctx, 5*time.Second)
		defer done()
		return out.Hangup(ctx)
	}
	select {
	case <-c.d.Done():
		return nil // the peer already ended it
	default:
	}
	if answered {
		ctx, done := context.WithTimeout(ctx, 5*time.Second)
		defer done()
		return c.d.Hangup(ctx)
	}
	return c.d.Reject(480, reasonPhrase(480))
}

func codecName(c stream.Codec) string {
	if c == stream.PCMA {
		return "PCMA"
	}
	return "PCMU"
}
