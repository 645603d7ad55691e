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
	"github.com/ivrbox/ivrbox/media/stream"
)

var (
	errEnded    = errors.New("call ended")
	errShutdown = errors.New("box shutting down")
	// ErrEnded is returned by a Call's methods once the call is over.
	ErrEnded = errEnded
)

// Info is a snapshot of a live call, for listings.
type Info struct {
	ID       string    `json:"id"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Codec    string    `json:"codec"`
	Started  time.Time `json:"started"`
	Answered time.Time `json:"answered,omitzero"`
	Source   string    `json:"source"`
}

// Call is one live call. Its methods are the call-control surface; they are
// safe to call from one controlling goroutine while the SIP layer and media
// shards deliver events concurrently.
type Call struct {
	m      *Manager
	d      *sip.Dialog
	log    *slog.Logger
	id     string
	from   string
	to     string
	start  time.Time
	ctx    context.Context
	cancel context.CancelCauseFunc

	keys  chan byte     // keys waiting for Play/ReadKey
	flag  atomic.Int32  // next DTMF flag (index of the key in the call)
	audio atomic.Uint32 // negotiated codec (stream.Codec)

	mu       sync.Mutex // guards the fields below
	media    sdp.Media
	st       *stream.Stream
	local    sdpState
	answered time.Time
	hungUp   bool
	cause    string
}

// sdpState is what we last told the peer in SDP.
type sdpState struct {
	addr            netip.AddrPort
	sessID, version uint64
}

func newCall(m *Manager, d *sip.Dialog, media sdp.Media, log *slog.Logger) *Call {
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &Call{
		m: m, d: d, log: log, id: d.CallID(), from: d.From(), to: d.To(),
		start: time.Now(), ctx: ctx, cancel: cancel, keys: make(chan byte, 32), media: media,
		local: sdpState{sessID: uint64(time.Now().UnixNano()) & 0x7fffffffffff, version: 1},
	}
	go func() { // the dialog ending (BYE, CANCEL) ends the call's context
		select {
		case <-d.Done():
			c.setCause(causeOf(d.Cause()))
			cancel(errEnded)
		case <-ctx.Done():
		}
	}()
	d.OnInfo(func(key byte) { m.offerDigit(c, key, "info") })
	d.OnReInvite(c.reInvite)
	return c
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
	}
	return ""
}

// Info returns a snapshot for listings.
func (c *Call) Info() Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Info{ID: c.id, From: c.from, To: c.to, Codec: codecName(stream.Codec(c.audio.Load())),
		Started: c.start, Answered: c.answered, Source: c.d.Source().String()}
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

// alive returns ErrEnded when the call or ctx is over.
func (c *Call) alive(ctx context.Context) error {
	if c.ctx.Err() != nil {
		return fmt.Errorf("call %s: %w", c.id, errEnded)
	}
	return ctx.Err()
}

// Ring sends 180 Ringing and waits d before returning, or less when the call
// ends or ctx is cancelled.
func (c *Call) Ring(ctx context.Context, d time.Duration) error {
	if err := c.d.Ringing(); err != nil {
		return fmt.Errorf("ringing: %w", err)
	}
	c.m.opt.Bus.Publish(event.Event{Kind: event.CallRinging, CallID: c.id, From: c.from, To: c.to})
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
	c.mu.Unlock()
	c.setCause(cause)
	defer c.cancel(errEnded)
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
