package call

import (
	"context"
	"fmt"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/route"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/media/stream"
)

// Mover moves a call that runs in the IVR engine to another number: an IVR,
// or out of the box through the call's Transfer (ivr.Engine.Transfer).
type Mover interface {
	Transfer(callID, number string) error
}

// SetMover sets what carries out API transfers (the IVR engine).
func (m *Manager) SetMover(mv Mover) { m.mover = mv }

// Transfer moves the live call id (a call id or a leg id) to number: an
// IVR, a registered local account, or an external number through an
// outbound route that account fromExt may use ("" means the call's own
// account when an API placed it, else any route). The permission is checked
// here; the dialling and bridging happen in the call's own goroutine, so
// Transfer returns before the far end answers (events CallTransferred, or
// CallEnded when it fails). Errors wrap ErrUnknownCall, ErrNotUp,
// ErrNoAccount, ErrNoTrunk or route's ErrUnknownAccount, ErrNoRoute,
// ErrNotAllowed.
func (m *Manager) Transfer(ctx context.Context, id, number, fromExt string) error {
	c := m.Call(id)
	if c == nil {
		return fmt.Errorf("call: transfer %q: %w", id, ErrUnknownCall)
	}
	info := c.Info()
	if info.State != StateAnswered || info.Bridged != "" || c.ctx.Err() != nil {
		return fmt.Errorf("call: transfer %s: %w (state %s)", c.id, ErrNotUp, info.State)
	}
	if m.mover == nil || m.runner == nil {
		return fmt.Errorf("call: transfer %s: %w: no IVR engine", c.id, ErrNotUp)
	}
	if !m.runner.Has(number) {
		tg, err := c.resolve(ctx, number, fromExt)
		if err != nil {
			return fmt.Errorf("call: transfer %s to %q: %w", c.id, number, err)
		}
		c.mu.Lock()
		c.planned = &plannedTransfer{number: number, tg: tg}
		c.mu.Unlock()
	}
	if err := m.mover.Transfer(c.id, number); err != nil {
		c.mu.Lock()
		c.planned = nil
		c.mu.Unlock()
		return fmt.Errorf("call: transfer %s: %w: %w", c.id, ErrNotUp, err)
	}
	if m.runner.Has(number) {
		ev := c.transferred(number, "", "")
		ev.IVR = number
		m.opt.Bus.Publish(ev)
	}
	c.log.Info("transfer requested", "number", number, "fromext", fromExt)
	return nil
}

// resolve finds how to reach number for a transfer: a local account
// (registered) or a trunk through an outbound route.
func (c *Call) resolve(ctx context.Context, number, fromExt string) (target, error) {
	cfg := c.m.opt.Config()
	if _, ok := cfg.Account(number); ok {
		contact, src, ok := c.m.dialer.Location(number)
		if !ok {
			return target{}, fmt.Errorf("%w: %s", ErrNoAccount, number)
		}
		from := c.from
		if from == "" {
			from = "ivrbox"
		}
		return target{uri: contact, dest: src, from: from, transport: "UDP"}, nil
	}
	if fromExt == "" {
		fromExt = c.fromExt
	}
	var out route.Outbound
	var err error
	if fromExt == "" {
		out, err = route.FindAnyOutbound(cfg, number)
	} else {
		out, err = route.FindOutbound(cfg, fromExt, number)
	}
	if err != nil {
		return target{}, err
	}
	trunks := trunksOf(cfg, out.Route.Trunks)
	if len(trunks) == 0 {
		return target{}, fmt.Errorf("route %q: %w", out.Route.Name, ErrNoTrunk)
	}
	return c.m.trunkTarget(trunks[0], out.Dial), nil
}

// Transfer puts the call through to number, outside the IVRs: it dials a
// registered local account or an external number through an outbound
// route, and once answered bridges the two (audio both ways, keys passed
// through) until either side hangs up. It returns nil when the bridged
// conversation is over (the caller then hangs the call up), or an error if
// the number cannot be reached (the call is still up). It implements
// ivr.Transferer.
func (c *Call) Transfer(ctx context.Context, number string) error {
	c.mu.Lock()
	planned := c.planned
	c.planned = nil
	a := c.st
	c.mu.Unlock()
	var tg target
	if planned != nil && planned.number == number {
		tg = planned.tg // checked and resolved by Manager.Transfer
	} else {
		var err error
		if tg, err = c.resolve(ctx, number, ""); err != nil {
			return fmt.Errorf("transfer to %q: %w", number, err)
		}
	}
	b, err := c.m.opt.Media.Open(stream.Config{Codec: stream.PCMU, DTMFPT: sdp.OfferDTMFPT})
	if err != nil {
		return fmt.Errorf("transfer to %q: media: %w", number, err)
	}
	defer b.Close()
	stopHold := c.holdWhileDialling(a)
	dctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	cd, err := c.m.dialLeg(dctx, c, b, tg)
	stopHold()
	if err != nil {
		cause, _, reason := failureOf(dctx, err)
		c.log.Info("transfer failed", "number", number, "cause", cause, "reason", reason)
		return fmt.Errorf("transfer to %q: %s: %w", number, reason, err)
	}
	link, err := stream.Bridge(a, b)
	if err != nil {
		hctx, done := context.WithTimeout(context.Background(), 5*time.Second)
		_ = cd.Hangup(hctx)
		done()
		return fmt.Errorf("transfer to %q: %w", number, err)
	}
	defer link.Close()
	c.mu.Lock()
	c.bridged = number
	c.mu.Unlock()
	leg := ""
	if tg.trunk != "" {
		_, leg = c.m.ids()
	}
	c.m.opt.Bus.Publish(c.transferred(number, tg.trunk, leg))
	c.log.Info("bridged", "number", number, "trunk", tg.trunk, "sip_call_id", cd.CallID())
	select {
	case <-cd.Done():
		c.setCause("normal")
	case <-c.ctx.Done():
		hctx, done := context.WithTimeout(context.Background(), 5*time.Second)
		_ = cd.Hangup(hctx)
		done()
	case <-ctx.Done():
		hctx, done := context.WithTimeout(context.Background(), 5*time.Second)
		_ = cd.Hangup(hctx)
		done()
		return ctx.Err()
	}
	return nil
}

// transferred is the CallTransferred event of a transfer to number: Trunk
// and Leg are the new leg's (both "" for an IVR or a local account), From
// is left empty (the party put through is the call's own).
func (c *Call) transferred(number, trunk, leg string) event.Event {
	ev := c.ev(event.CallTransferred)
	ev.From, ev.To, ev.Trunk, ev.Leg = "", number, trunk, leg
	return ev
}

// holdWhileDialling plays hold music to the caller until the returned func
// is called.
func (c *Call) holdWhileDialling(st *stream.Stream) func() {
	a, err := c.m.opt.Prompts.Get(context.Background(), config.PromptMusic)
	if err != nil || st == nil {
		return func() {}
	}
	clip := a.ULaw
	if stream.Codec(c.audio.Load()) == stream.PCMA {
		clip = a.ALaw
	}
	st.Play([][]byte{clip})
	return st.Stop
}
