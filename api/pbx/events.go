package pbx

import (
	"strconv"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// Hook translates one bus event into zero or more PBX API events and queues
// them in the outbox, keyed by the box call id so that a call's events stay
// in order. Register it with the event bus (bus.Hook(api.Hook)). It runs on
// the publisher's goroutine: it reads the call's snapshot that the event
// carries (no state of its own), encodes JSON and queues it in memory, never
// touching the disk or the network, and never publishes.
func (a *API) Hook(e event.Event) {
	switch e.Kind {
	case event.CallRinging, event.CallAnswered, event.CallEnded, event.DTMFDigit, event.DTMFString,
		event.PromptFinished, event.CallTransferred:
		a.handle(e)
	}
}

// handle enqueues the reports of e. a.mu is held throughout, Enqueue
// included, so reports are queued in the order their events were handled
// even when a call publishes from several goroutines.
func (a *API) handle(e event.Event) {
	if e.CallID == "" || a.outbox == nil || !a.outbox.Enabled() {
		return // nothing to report, or nobody to report it to
	}
	c := e.Call
	if c == nil { // an event from outside the call core: what it says
		c = &event.Call{ID: e.CallID, Dir: dirInbound}
	}
	reports := translate(e, c, a.config())
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	for _, r := range reports {
		a.enqueue(e.CallID, r)
	}
}

// enqueue encodes and stores one report. Callers hold a.mu.
func (a *API) enqueue(callID string, r any) {
	if a.outbox == nil {
		return
	}
	body, err := encode(r)
	if err == nil {
		err = a.outbox.Enqueue(callID, body)
	}
	if err != nil {
		a.log.Warn("pbx api: event not stored", "callid", callID, "err", err)
	}
}

// translate turns one event about call c into the reports it produces.
func translate(e event.Event, c *event.Call, cfg *config.Config) []any {
	sn := cfg.System.SN
	switch e.Kind {
	case event.CallRinging:
		action := ActionRing
		if c.Dir == dirOutbound {
			action = ActionAlert
		}
		return []any{callReport{Action: action, CallID: e.CallID, Call: members(c, cfg), SN: sn}}
	case event.CallAnswered:
		return []any{callReport{Action: ActionAnswered, CallID: e.CallID, Call: members(c, cfg), SN: sn}}
	case event.DTMFDigit:
		return []any{dtmfReport{Action: ActionDTMF, CallID: e.CallID, Call: members(c, cfg),
			Info: e.Digit, Flag: strconv.Itoa(e.Flag), SN: sn}}
	case event.DTMFString:
		call := members(c, cfg)
		return []any{
			dtmfStringReport{Action: ActionDTMF, CallID: e.CallID, Call: call, Infos: e.Digits, SN: sn},
			userEventReport{Action: ActionUserEvent, UserEvent: UserEventDtmfEnd, Info: e.Digits + e.Terminator,
				SeedInfo: e.Digits + e.Terminator, CallID: e.CallID, Call: call, SN: sn},
		}
	case event.PromptFinished:
		ivr := e.IVR
		if ivr == "" {
			ivr = c.IVR
		}
		return []any{userEventReport{Action: ActionUserEvent, UserEvent: UserEventPromptEnd, IVRID: ivr,
			SeedIVRID: ivr, CallID: e.CallID, Call: members(c, cfg), SN: sn}}
	case event.CallTransferred:
		call := members(c, cfg)
		if e.IVR != "" { // moved to an IVR: the target is the IVR
			call = append(call[:1], member{IVR: &ivrRef{IVRID: e.IVR}})
		}
		return []any{callReport{Action: ActionTransfer, CallID: e.CallID, Call: call, SN: sn}}
	case event.CallEnded:
		return []any{ended(e, c, cfg)}
	}
	return nil
}

// own is the call's own leg as a member: the outbound leg of a call the box
// placed; for a call that came in, the local account that called
// ({"ext": {"extid"}}, as the vendor reports an extension; see fromExt), or
// else the inbound leg.
func own(c *event.Call, cfg *config.Config) member {
	leg := c.Leg
	if leg == "" {
		leg = c.ID
	}
	if c.Dir == dirOutbound {
		return member{Outbound: &outParty{From: c.From, To: c.To, Trunk: c.Trunk, OutboundID: leg}}
	}
	if ext, ok := fromExt(c, cfg); ok {
		return member{Ext: &extRef{ExtID: ext}}
	}
	return member{Inbound: &inParty{From: c.From, To: c.To, Trunk: c.Trunk, InboundID: leg}}
}

// fromExt says whether inbound call c comes from a local account: it did
// not arrive on a trunk and its caller is the extension of a configured
// account (the number a registered phone calls from).
func fromExt(c *event.Call, cfg *config.Config) (string, bool) {
	if c.Dir == dirOutbound || c.Trunk != "" || c.From == "" {
		return "", false
	}
	if _, ok := cfg.Account(c.From); !ok {
		return "", false
	}
	return c.From, true
}

// members is the call's "call" array: its own leg, then the party a
// transfer bridged in (a local account, or an outbound leg through a trunk).
func members(c *event.Call, cfg *config.Config) []member {
	out := []member{own(c, cfg)}
	if c.Bridged == "" {
		return out
	}
	if _, isExt := cfg.Account(c.Bridged); isExt && c.BridgedTrunk == "" && c.BridgedLeg == "" {
		return append(out, member{Ext: &extRef{ExtID: c.Bridged}})
	}
	from := c.From // the party being put through
	if c.Dir == dirOutbound {
		from = c.To
	}
	return append(out, member{Outbound: &outParty{From: from, To: c.Bridged, Trunk: c.BridgedTrunk, OutboundID: c.BridgedLeg}})
}

// ended is the report of a call.ended event: CallFailed for an outbound call
// that was never answered, BYE when the far end hung up (or gave up before
// the answer), HANGUP otherwise.
func ended(e event.Event, c *event.Call, cfg *config.Config) any {
	sn := cfg.System.SN
	if c.Dir == dirOutbound && c.Answered.IsZero() {
		o := own(c, cfg).Outbound
		return failedReport{Action: ActionFailed, Reason: failReason(e), Cause: e.Cause, CallID: e.CallID,
			Outbound: o, SN: sn}
	}
	action := ActionHangup
	if e.Cause == "remote-bye" || e.Cause == "cancel" {
		action = ActionBye
	}
	return endReport{Action: action, CallID: e.CallID, Call: members(c, cfg), Cause: e.Cause, SN: sn}
}
