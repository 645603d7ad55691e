package call

import (
	"context"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// ControllerIVR names the call's own controller, the IVR engine (the
// runner), in Info.Controller and events.
const ControllerIVR = "ivr"

// DefaultOfferTimeout is how long an API-control step waits for a
// controller, and for a lost one to come back, when the step names no time.
const DefaultOfferTimeout = 30 * time.Second

// Control is one controller's hold on a call. A call has one owner at a
// time: its runner's Control (the IVR engine) from the start, or an outside
// controller that accepted an API-control step the runner offered. Commands
// submitted through a Control that does not own the call fail with
// CodeNotOwner; when a Control loses the call (it released it, another
// controller re-accepted it, it went away, the step was moved on, the call
// ended), its commands still running or waiting end with StatusStopped and
// Done is closed.
type Control struct {
	c     *Call
	id    uint64
	name  string
	key   string
	hooks Hooks
	ttl   time.Duration
	done  chan struct{}
	// reason is why the control ended; guarded by c.mu, set before done
	// is closed.
	reason string
	// busy counts the control's commands queued or running; guarded by
	// c.mu. A lease (ttl) does not run out while it is positive.
	busy int
}

// Hooks are what an outside controller hears while it owns a call. OnKey
// and OnResult run on the call's executor goroutine, OnEnd on the goroutine
// that ended the control: all must return quickly and never block (queue
// the work), and must not call the Control's blocking methods (Do, Wait).
type Hooks struct {
	// OnKey hears every key the caller presses while the control owns the
	// call. op is the id of the command running (0: none).
	OnKey func(key string, op uint64)
	// OnResult hears the result of every command the control submitted.
	OnResult func(Result)
	// OnEnd hears that the control ended, and why (released, taken over,
	// lost, timeout, moved, hangup).
	OnEnd func(reason string)
}

// AcceptOptions describe an outside controller taking a call.
type AcceptOptions struct {
	// Name is the controller's name for logs, events and Info.Controller
	// ("admin", "ws:3"...).
	Name string
	// Hooks are told about keys, results and the end of the control.
	Hooks Hooks
	// TTL, when positive, is a lease: the control is lost (the step carries
	// on) unless a command or Touch comes within TTL of the last one. Use it
	// for controllers without a connection (HTTP). Zero: the control lasts
	// until released or Orphan.
	TTL time.Duration
}

// OfferSpec is an API-control step: the call is offered to outside
// controllers under Key.
type OfferSpec struct {
	Key     string        // what a controller must name to accept
	Params  string        // passed to controllers as is
	Step    string        // the step's kind, for events: "api" (an IVR's API-control step) or "cloud" (a cloud-control IVR)
	ID      int           // the step's number shown to controllers (ivrapi's componentid; 0: none)
	Name    string        // the step's label shown to controllers (ivrapi's componentname; "": none)
	Timeout time.Duration // wait for a controller, and for a lost one to come back (0: DefaultOfferTimeout)
	Hold    []string      // prompts looped while no controller has the call (none: silence)
}

// Offer outcomes.
const (
	OfferReleased = "released" // the controller gave the call back
	OfferTimeout  = "timeout"  // no controller accepted in time
	OfferLost     = "lost"     // the controller went away and did not come back in time
	OfferMoved    = "moved"    // the runner moved on (a transfer, Goto, its context ended)
	OfferHangup   = "hangup"   // the call ended
)

// offer is an API-control step in progress; guarded by Call.mu.
type offer struct {
	spec     OfferSpec
	accepted bool
	ended    chan struct{}
	reason   string
	timer    *time.Timer
	gen      uint64 // bumped on every re-arm, so a stale timer does nothing
}

// Name is the controller's name.
func (ctl *Control) Name() string { return ctl.name }

// Call is the call the control is about.
func (ctl *Control) Call() *Call { return ctl.c }

// Done is closed when the control has ended: for an outside controller
// when it loses the call (see Control), for the call's own control when
// the call ends.
func (ctl *Control) Done() <-chan struct{} {
	if ctl == ctl.c.base {
		return ctl.c.ctx.Done()
	}
	return ctl.done
}

// Reason is why the control ended ("" while it lasts).
func (ctl *Control) Reason() string {
	ctl.c.mu.Lock()
	defer ctl.c.mu.Unlock()
	return ctl.reason
}

// Owns reports whether the control owns the call now.
func (ctl *Control) Owns() bool {
	ctl.c.mu.Lock()
	defer ctl.c.mu.Unlock()
	return ctl.c.owner == ctl
}

// Offer runs an API-control step: the call is offered to outside
// controllers under spec.Key (event ControlOffered) and Offer waits until
// the step is over: the controller that accepted released it, none
// accepted within spec.Timeout, the one that did went away and did not come
// back within spec.Timeout, ctx ended (OfferMoved) or the call did
// (OfferHangup). It returns how (the Offer* constants) and the runner's
// control owns the call again (event ControlEnded). Only the call's runner
// control may offer, and only one step at a time.
func (ctl *Control) Offer(ctx context.Context, spec OfferSpec) (string, error) {
	c := ctl.c
	if spec.Timeout <= 0 {
		spec.Timeout = DefaultOfferTimeout
	}
	c.mu.Lock()
	switch {
	case ctl != c.base:
		c.mu.Unlock()
		return "", fail(CodeNotOwner, "offer", nil, "only the call's own controller offers it")
	case c.owner != ctl || c.offer != nil:
		c.mu.Unlock()
		return "", fail(CodeTaken, "offer", nil, "an API-control step is already in progress")
	}
	o := &offer{spec: spec, ended: make(chan struct{})}
	c.offer = o
	c.armLocked(o, spec.Timeout, OfferTimeout)
	c.mu.Unlock()
	c.publish(event.Event{Kind: event.ControlOffered, Control: o.payload("", "")})
	c.log.Info("API control offered", "key", spec.Key, "timeout", spec.Timeout)
	if len(spec.Hold) > 0 {
		_, _ = ctl.Submit(Command{Kind: KindPlay, Prompts: spec.Hold, Loop: -1, Tag: "hold"})
	}
	select {
	case <-o.ended:
	case <-ctx.Done():
		c.endOffer(o, OfferMoved)
	case <-c.ctx.Done():
		c.endOffer(o, OfferHangup)
	}
	ctl.Stop()
	return o.reason, c.alive(ctx)
}

// payload is the Control payload of an event about o.
func (o *offer) payload(controller, reason string) *event.Control {
	return &event.Control{Key: o.spec.Key, Params: o.spec.Params, Step: o.spec.Step, ID: o.spec.ID, Name: o.spec.Name,
		Timeout: int(o.spec.Timeout / time.Second), Controller: controller, Reason: reason}
}

// armLocked (re)starts the offer's timer: when it fires, the step ends
// with reason. c.mu is held.
func (c *Call) armLocked(o *offer, d time.Duration, reason string) {
	o.gen++
	gen := o.gen
	if o.timer != nil {
		o.timer.Stop()
	}
	o.timer = time.AfterFunc(d, func() {
		c.mu.Lock()
		stale := c.offer != o || o.gen != gen
		if !stale && reason == OfferLost && c.owner.ttl > 0 && c.owner.busy > 0 {
			c.armLocked(o, d, reason) // a lease holds while its commands run
			stale = true
		}
		c.mu.Unlock()
		if !stale {
			c.endOffer(o, reason)
		}
	})
}

// endOffer ends the step o with reason: an outside controller loses the
// call, the runner's control owns it again, ControlEnded is published and
// Offer returns. It does nothing if o already ended.
func (c *Call) endOffer(o *offer, reason string) {
	c.mu.Lock()
	if c.offer != o {
		c.mu.Unlock()
		return
	}
	c.offer = nil
	if o.timer != nil {
		o.timer.Stop()
	}
	lost := c.owner
	c.owner = c.base
	name := ""
	if lost != c.base {
		name = lost.name
		lost.endLocked(reason)
	} else {
		lost = nil
	}
	o.reason = reason
	c.mu.Unlock()
	if lost != nil {
		c.send(msg{kind: msgDrop, ctl: lost, reason: "control " + reason})
		if f := lost.hooks.OnEnd; f != nil {
			f(reason)
		}
	}
	close(o.ended)
	c.log.Info("API control ended", "key", o.spec.Key, "controller", name, "reason", reason)
	c.publish(event.Event{Kind: event.ControlEnded, Control: o.payload(name, reason)})
}

// endLocked closes the control's Done with reason; c.mu is held.
func (ctl *Control) endLocked(reason string) {
	select {
	case <-ctl.done:
	default:
		ctl.reason = reason
		close(ctl.done)
	}
}

// Accept takes the live call id (a call id or a leg id) whose API-control
// step offers it under key: the first accept wins. Errors: CodeUnknownCall,
// CodeNotOffered (no step offers it, or under another key), CodeTaken
// (another controller accepted it first: Reaccept takes it over).
func (m *Manager) Accept(id, key string, opt AcceptOptions) (*Control, error) {
	return m.accept(id, key, opt, false)
}

// Reaccept takes over the live call id from the controller that accepted
// its API-control step under key (for a controller whose connection
// dropped): that control ends with reason "taken over". A step nobody
// accepted yet is accepted.
func (m *Manager) Reaccept(id, key string, opt AcceptOptions) (*Control, error) {
	return m.accept(id, key, opt, true)
}

func (m *Manager) accept(id, key string, opt AcceptOptions, over bool) (*Control, error) {
	c := m.Call(id)
	if c == nil {
		return nil, fail(CodeUnknownCall, "accept", nil, "%q", id)
	}
	if opt.Name == "" {
		opt.Name = "api"
	}
	c.mu.Lock()
	o := c.offer
	switch {
	case o == nil || o.spec.Key != key:
		c.mu.Unlock()
		return nil, fail(CodeNotOffered, "accept", nil, "call %s is not offered under key %q", c.id, key)
	case o.accepted && !over:
		c.mu.Unlock()
		return nil, fail(CodeTaken, "accept", nil, "call %s is controlled by %s", c.id, c.owner.name)
	}
	c.ctlSeq++
	ctl := &Control{c: c, id: c.ctlSeq, name: opt.Name, key: key, hooks: opt.Hooks, ttl: opt.TTL, done: make(chan struct{})}
	prev := c.owner
	c.owner = ctl
	o.accepted = true
	if ctl.ttl > 0 {
		c.armLocked(o, ctl.ttl, OfferLost)
	} else {
		o.gen++
		o.timer.Stop()
	}
	if prev != c.base {
		prev.endLocked("taken over")
	}
	c.mu.Unlock()
	c.send(msg{kind: msgDrop, ctl: prev, reason: "control taken"})
	if prev != c.base {
		if f := prev.hooks.OnEnd; f != nil {
			f("taken over")
		}
	}
	c.log.Info("API control accepted", "key", key, "controller", ctl.name, "reaccept", over)
	c.publish(event.Event{Kind: event.ControlAccepted, Control: o.payload(ctl.name, "")})
	return ctl, nil
}

// Release gives the call back: the API-control step ends with
// OfferReleased and the IVR carries on. It does nothing for a control that
// no longer owns the call, or for the runner's own control.
func (ctl *Control) Release() {
	c := ctl.c
	c.mu.Lock()
	o := c.offer
	mine := c.owner == ctl && ctl != c.base && o != nil
	c.mu.Unlock()
	if mine {
		c.endOffer(o, OfferReleased)
	}
}

// Orphan tells the call that the controller went away (its connection
// dropped): unless Reaccept takes the call within the step's timeout, the
// step ends with OfferLost.
func (ctl *Control) Orphan() {
	c := ctl.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if o := c.offer; o != nil && c.owner == ctl && ctl != c.base {
		c.armLocked(o, o.spec.Timeout, OfferLost)
	}
}

// Touch renews a control's lease (AcceptOptions.TTL); submitting a
// command and its result do too, and the lease holds while a command of the
// control is queued or running.
func (ctl *Control) Touch() {
	c := ctl.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if o := c.offer; o != nil && c.owner == ctl && ctl.ttl > 0 {
		c.armLocked(o, ctl.ttl, OfferLost)
	}
}

// Offered reports the API-control step offering the call, if any.
func (c *Call) Offered() (spec OfferSpec, accepted bool, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.offer == nil {
		return OfferSpec{}, false, false
	}
	return c.offer.spec, c.offer.accepted, true
}

// endOfferOnHangup ends an API-control step still in progress when the call
// is over.
func (c *Call) endOfferOnHangup() {
	c.mu.Lock()
	o := c.offer
	c.mu.Unlock()
	if o != nil {
		c.endOffer(o, OfferHangup)
	}
	c.mu.Lock()
	c.base.endLocked(OfferHangup)
	c.mu.Unlock()
}
