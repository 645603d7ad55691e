package call

import (
	"context"
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
// account when an API placed it, else any route). Whoever controls the
// call, the IVR engine takes it back and moves it (an outside controller
// loses it). The permission is checked here; the dialling and bridging
// happen in the call's own goroutine, so Transfer returns before the far
// end answers (events CallTransferred, or CallEnded when it fails). Errors:
// CodeUnknownCall, CodeNotUp, CodeNotRegistered, CodeNoTrunk,
// CodeUnknownAccount, CodeNoRoute, CodeNotAllowed.
func (m *Manager) Transfer(ctx context.Context, id, number, fromExt string) error {
	return m.transfer(ctx, id, number, fromExt, nil)
}

// transfer is Transfer; with outcome (a REFER's report), an outside number
// must be allowed to REFERs (referAllowed), and outcome gets the dial's
// result (nil at once for an IVR).
func (m *Manager) transfer(ctx context.Context, id, number, fromExt string, outcome func(error)) error {
	c := m.Call(id)
	if c == nil {
		return fail(CodeUnknownCall, "transfer", nil, "%q", id)
	}
	info := c.Info()
	if info.State != StateAnswered || info.Bridged != "" || c.ctx.Err() != nil {
		return fail(CodeNotUp, "transfer", nil, "call %s is %s", c.id, info.State)
	}
	if m.mover == nil || m.runner == nil {
		return fail(CodeNotUp, "transfer", nil, "no IVR engine")
	}
	if !m.runner.Has(number) {
		tg, err := c.resolve(ctx, number, fromExt)
		if err != nil {
			return err
		}
		if outcome != nil {
			if err := c.referAllowed(number, tg); err != nil {
				return err
			}
		}
		c.mu.Lock()
		c.planned = &plannedTransfer{number: number, tg: tg, outcome: outcome}
		c.mu.Unlock()
	}
	if err := m.mover.Transfer(c.id, number); err != nil {
		c.mu.Lock()
		c.planned = nil
		c.mu.Unlock()
		return fail(CodeNotUp, "transfer", err, "call %s", c.id)
	}
	if m.runner.Has(number) {
		c.publish(event.Event{Kind: event.CallTransferred, IVR: number})
		if outcome != nil {
			outcome(nil) // moved: nothing to dial
		}
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
			return target{}, fail(CodeNotRegistered, "transfer", nil, "account %s", number)
		}
		from := c.from
		if from == "" {
			from = "ivrbox"
		}
		return target{uri: contact, dest: src, from: from, transport: contactTransport(contact),
			encryption: cfg.System.Encryption()}, nil
	}
	if fromExt == "" {
		fromExt = c.fromExt
	}
	var out route.Outbound
	var err error
	if fromExt == "" {
		out, err = route.FindAnyOutbound(*cfg, number)
	} else {
		out, err = route.FindOutbound(*cfg, fromExt, number)
	}
	if err != nil {
		return target{}, routeErr("transfer", err)
	}
	trunks := trunksOf(cfg, out.Route.Trunks)
	if len(trunks) == 0 {
		return target{}, fail(CodeNoTrunk, "transfer", nil, "route %q has no usable trunk", out.Route.Name)
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
	var outcome func(error)
	if planned != nil && planned.number == number {
		tg, outcome = planned.tg, planned.outcome // checked and resolved by Manager.Transfer
	} else {
		var err error
		if tg, err = c.resolve(ctx, number, ""); err != nil {
			return err
		}
	}
	b, err := c.m.opt.Media.Open(stream.Config{Local: c.m.bindIP(), Codec: stream.PCMU, DTMFPT: sdp.OfferDTMFPT,
		LearnAny: c.m.opt.Config().System.RTPLearnAny})
	if err != nil {
		return fail(CodeInternal, "transfer", err, "media")
	}
	defer b.Close()
	stopHold := c.holdWhileDialling()
	dctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	cd, err := c.m.dialLeg(dctx, c, b, tg)
	stopHold()
	if outcome != nil {
		outcome(err) // the REFER's final NOTIFY, before a failed call is hung up
	}
	if err != nil {
		cause, _, reason := failureOf(dctx, err)
		c.log.Info("transfer failed", "number", number, "cause", cause, "reason", reason)
		return fail(CodeNotUp, "transfer", err, "%s: %s", number, reason)
	}
	link, err := stream.Bridge(a, b)
	if err != nil {
		hangupLeg(cd)
		return fail(CodeInternal, "transfer", err, "bridge to %s", number)
	}
	defer link.Close()
	br := bridge{number: number, trunk: tg.trunk}
	if tg.trunk != "" {
		_, br.leg = c.m.ids()
	}
	c.mu.Lock()
	c.bridged = br
	c.mu.Unlock()
	c.publish(event.Event{Kind: event.CallTransferred})
	c.log.Info("bridged", "number", number, "trunk", tg.trunk, "sip_call_id", cd.CallID())
	select {
	case <-cd.Done():
		c.setCause("normal")
	case <-c.ctx.Done():
		hangupLeg(cd)
	case <-ctx.Done():
		hangupLeg(cd)
		return ctx.Err()
	}
	return nil
}

// hangupLeg sends BYE on a leg the call placed, giving it 5 s.
func hangupLeg(cd interface{ Hangup(context.Context) error }) {
	ctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = cd.Hangup(ctx)
}

// holdWhileDialling plays hold music to the caller (a command of the
// call's own control) until the returned func is called.
func (c *Call) holdWhileDialling() func() {
	o, err := c.base.Submit(Command{Kind: KindPlay, Prompts: []string{config.PromptMusic}, Loop: -1, Tag: "hold"})
	if err != nil {
		return func() {}
	}
	return func() {
		c.base.Cancel(o)
		select {
		case <-o.done:
		case <-c.exited:
		}
	}
}
