package call

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/media/fork"
	"github.com/ivrbox/ivrbox/media/record"
	"github.com/ivrbox/ivrbox/media/stream"
)

// errEnded is the cause of a call's context once it is over.
var errEnded = errors.New("call ended")

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

// Info is the snapshot of a call that every API and event sees.
type Info = event.Call

// Call states (Info.State).
const (
	StateDialing  = event.StateDialing
	StateRinging  = event.StateRinging
	StateAnswered = event.StateAnswered
)

// Call is one live call: its SIP leg, its media and the queue of commands
// its controller sends. Its methods are safe for concurrent use. A call is
// steered through a Control (see control.go); the methods here are the ones
// any part of the box may use whoever controls the call (snapshot, hang-up,
// recordings, forks).
type Call struct {
	m       *Manager
	d       *sip.Dialog // the inbound leg; nil for an outbound call
	log     *slog.Logger
	id      string
	leg     string
	dir     string
	from    string
	to      string
	fromExt string
	start   time.Time
	ctx     context.Context
	cancel  context.CancelCauseFunc

	inbox       chan *msg     // commands and control changes for the executor
	keyIn       chan keyIn    // keys from the media shard and SIP INFO
	exited      chan struct{} // closed when the executor has finished every command
	x           executor      // owned by the executor goroutine
	flag        atomic.Int32  // next DTMF flag (index of the key in the call)
	audio       atomic.Uint32 // negotiated codec (stream.Codec)
	opSeq       atomic.Uint64 // last command id
	keysDropped atomic.Uint64
	recWG       sync.WaitGroup // watchRecording goroutines
	forkWG      sync.WaitGroup // watchFork goroutines

	mu       sync.Mutex        // guards the fields below
	out      *sip.ClientDialog // the outbound leg once answered
	dial     func(context.Context) error
	dialErr  error
	dialed   bool
	source   netip.AddrPort
	sipID    string
	fromTag  string
	toTag    string
	trunk    string
	media    sdp.Media
	srtp     srtpKeys
	st       *stream.Stream
	local    sdpState
	ringing  bool
	answered time.Time
	hungUp   bool
	ended    bool
	cause    string
	status   int
	reason   string
	ivr      string
	bridged  bridge
	base     *Control // the runner's control (the IVR engine)
	owner    *Control // who steers the call now
	offer    *offer   // the API-control step in progress, if any
	ctlSeq   uint64
	queued   int // commands submitted and not finished
	recs     map[string]*recording
	recSeq   int
	forks    map[string]*mediaFork
	forkSeq  int
	// planned is the transfer Manager.Transfer checked, for Transfer to
	// carry out without resolving it again.
	planned *plannedTransfer
}

// bridge is who a call is put through to.
type bridge struct{ number, leg, trunk string }

// recording is one recording of the call in progress.
type recording struct {
	id      string
	format  string
	step    bool // a record command's
	started time.Time
	rec     *record.Recording
	final   chan struct{} // closed once the end was told (result set)
	result  record.Result
}

// mediaFork is one media fork of the call in progress.
type mediaFork struct {
	info   ForkInfo
	f      *fork.Fork
	once   sync.Once
	reason string // why it stopped; set once
}

// plannedTransfer is a transfer target checked before the IVR engine hands
// the call to Transfer.
type plannedTransfer struct {
	number  string
	tg      target
	outcome func(error) // a REFER's report of the new leg's outcome, or nil
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
	c := &Call{
		m: m, log: log.With("id", id), id: id, leg: leg, dir: dir, from: from, to: to,
		start: time.Now(), ctx: ctx, cancel: cancel,
		inbox: make(chan *msg, inboxSize), keyIn: make(chan keyIn, keyQueue), exited: make(chan struct{}),
		local: sdpState{sessID: uint64(time.Now().UnixNano()) & 0x7fffffffffff, version: 1},
	}
	c.base = &Control{c: c, id: 1, name: ControllerIVR, done: make(chan struct{})}
	c.owner, c.ctlSeq = c.base, 1
	return c
}

// newInboundCall wraps an INVITE's dialog.
func newInboundCall(m *Manager, d *sip.Dialog, media sdp.Media, trunk string, log *slog.Logger) *Call {
	c := newCall(m, event.Inbound, d.From(), d.To(), log)
	c.d, c.media, c.trunk, c.source, c.sipID = d, media, trunk, d.Source(), d.CallID()
	c.fromTag, c.toTag = d.Tags()
	d.OnInfo(func(key byte) { c.offerKey(key, "info") })
	d.OnReInvite(c.reInvite)
	d.OnRefer(c.refer)
	return c
}

// causeOf maps the dialog's end reason to a call end cause.
func causeOf(dialogCause string) string {
	switch dialogCause {
	case "bye":
		return CauseRemoteBye
	case "cancel":
		return "cancel"
	case "ack-timeout":
		return "ack-timeout"
	}
	return "normal"
}

// publish sends an event about this call with its snapshot.
func (c *Call) publish(ev event.Event) {
	ev.CallID = c.id
	if ev.Call == nil {
		in := c.Info()
		ev.Call = &in
	}
	c.m.opt.Bus.Publish(ev)
}

// ID is the call's id ("1700000000.12").
func (c *Call) ID() string { return c.id }

// Done is closed when the call has ended or is ending.
func (c *Call) Done() <-chan struct{} { return c.ctx.Done() }

// Var returns a call variable for prompt names: EXTEN and CALLEE (the dialled
// number), CALLERID (the caller's number), CALLID, FROMEXT.
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

// Info returns the call's snapshot.
func (c *Call) Info() Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.infoLocked()
}

func (c *Call) infoLocked() Info {
	state := StateDialing
	switch {
	case c.ended:
		state = event.StateEnded
	case !c.answered.IsZero():
		state = StateAnswered
	case c.ringing || c.dir == event.Inbound:
		state = StateRinging
	}
	return Info{ID: c.id, Leg: c.leg, SIPCallID: c.sipID, FromTag: c.fromTag, ToTag: c.toTag,
		Dir: c.dir, From: c.from, To: c.to, Trunk: c.trunk, FromExt: c.fromExt, IVR: c.ivr, State: state,
		Codec: codecName(stream.Codec(c.audio.Load())), Started: c.start, Answered: c.answered,
		Source: c.source.String(), Bridged: c.bridged.number, BridgedLeg: c.bridged.leg,
		BridgedTrunk: c.bridged.trunk, Controller: c.owner.name}
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

// alive returns an error with CodeEnded when the call is over, else ctx's.
func (c *Call) alive(ctx context.Context) error {
	if c.ctx.Err() != nil {
		return fail(CodeEnded, "", errEnded, "call %s", c.id)
	}
	return ctx.Err()
}

// Ring sends 180 Ringing and waits d before returning, or less when the call
// ends or ctx is cancelled. An outbound call rings at the far end: Ring
// returns at once.
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
	c.publish(event.Event{Kind: event.CallRinging})
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

// watchLeg ends the call when a SIP leg ends (BYE, CANCEL); it runs on the
// executor's select through legDone.
func (c *Call) legEnded(cause string) {
	c.setCause(causeOf(cause))
	c.cancel(errEnded)
}

func codecName(c stream.Codec) string {
	if c == stream.PCMA {
		return "PCMA"
	}
	return "PCMU"
}
