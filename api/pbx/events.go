package pbx

import (
	"strconv"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// maxMeta bounds the calls whose metadata is kept; beyond it the oldest
// entry is dropped (its later events are still sent, with what they carry).
const maxMeta = 8192

// callMeta is what Hook remembers of a live call.
type callMeta struct {
	dir, from, to, trunk, leg, ivr string
	started                        bool // learned from call.started
	answered                       bool
	lastDigit                      string  // the last DTMF key, for DtmfEndString's "#"
	peer                           *member // the party a transfer bridged in
	age                            uint64
}

// Hook translates one bus event into zero or more PBX API events and stores
// them in the outbox, keyed by the box call id so that a call's events stay
// in order. Register it with the event bus (bus.Hook(api.Hook)). It runs on
// the publisher's goroutine: it does in-memory work and the outbox's one
// disk write per event, never network I/O, and never publishes.
func (a *API) Hook(e event.Event) {
	switch e.Kind {
	case event.CallStarted, event.CallRinging, event.CallAnswered, event.CallEnded,
		event.DTMFDigit, event.DTMFString, event.PromptFinished, event.IVREntered,
		event.CallTransferred:
		a.handle(e)
	}
}

// handle updates the call's metadata and enqueues its reports. a.mu is held
// throughout, Enqueue included, so reports are stored in the order their
// events were handled even when calls publish from several goroutines.
func (a *API) handle(e event.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || e.CallID == "" {
		return
	}
	m := a.meta[e.CallID]
	switch {
	case e.Kind == event.CallStarted:
		m = a.remember(e)
		m.started = true
		return // no report: Yeastar reports ringing, not the start
	case m == nil:
		m = a.remember(e)
	}
	if e.Kind == event.IVREntered {
		m.ivr = e.IVR
		return
	}
	if e.Kind == event.CallEnded {
		delete(a.meta, e.CallID)
	}
	cfg := a.config()
	for _, r := range translate(e, m, cfg) {
		a.enqueue(e.CallID, r)
	}
}

// remember stores the metadata of a call, from its call.started event or
// from whatever event of it came first.
func (a *API) remember(e event.Event) *callMeta {
	if len(a.meta) >= maxMeta {
		var oldest string
		var age uint64
		for id, m := range a.meta {
			if oldest == "" || m.age < age {
				oldest, age = id, m.age
			}
		}
		delete(a.meta, oldest)
	}
	a.seq++
	dir := e.Dir
	if dir == "" {
		dir = dirInbound
	}
	m := &callMeta{dir: dir, from: e.From, to: e.To, trunk: e.Trunk, leg: e.Leg, ivr: e.IVR, age: a.seq}
	a.meta[e.CallID] = m
	return m
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

// translate turns one event into the reports it produces, updating m.
func translate(e event.Event, m *callMeta, cfg config.Config) []any {
	sn := cfg.System.SN
	switch e.Kind {
	case event.CallRinging:
		action := ActionRing
		if m.dir == dirOutbound {
			action = ActionAlert
		}
		return []any{callReport{Action: action, CallID: e.CallID, Call: m.members(e.CallID), SN: sn}}
	case event.CallAnswered:
		m.answered = true
		return []any{callReport{Action: ActionAnswered, CallID: e.CallID, Call: m.members(e.CallID), SN: sn}}
	case event.DTMFDigit:
		m.lastDigit = e.Digit
		return []any{dtmfReport{Action: ActionDTMF, CallID: e.CallID, Call: m.members(e.CallID),
			Info: e.Digit, Flag: strconv.Itoa(e.Flag), SN: sn}}
	case event.DTMFString:
		info := e.Digits
		if m.lastDigit == "#" {
			info += "#"
		}
		call := m.members(e.CallID)
		return []any{
			dtmfStringReport{Action: ActionDTMF, CallID: e.CallID, Call: call, Infos: e.Digits, SN: sn},
			userEventReport{Action: ActionUserEvent, UserEvent: UserEventDtmfEnd, Info: info,
				CallID: e.CallID, Call: call, SN: sn},
		}
	case event.PromptFinished:
		ivr := e.IVR
		if ivr == "" {
			ivr = m.ivr
		}
		return []any{userEventReport{Action: ActionUserEvent, UserEvent: UserEventPromptEnd, IVRID: ivr,
			CallID: e.CallID, Call: m.members(e.CallID), SN: sn}}
	case event.CallTransferred:
		before := m.members(e.CallID)
		target := m.transferTo(e, cfg)
		return []any{callReport{Action: ActionTransfer, CallID: e.CallID, Call: append(before, target), SN: sn}}
	case event.CallEnded:
		return []any{m.ended(e, sn)}
	}
	return nil
}

// members is the call's "call" array: its own leg, then a bridged party.
func (m *callMeta) members(callID string) []member {
	leg := m.leg
	if leg == "" {
		leg = callID
	}
	var own member
	if m.dir == dirOutbound {
		own.Outbound = &outParty{From: m.from, To: m.to, Trunk: m.trunk, OutboundID: leg}
	} else {
		own.Inbound = &inParty{From: m.from, To: m.to, Trunk: m.trunk, InboundID: leg}
	}
	if m.peer != nil {
		return []member{own, *m.peer}
	}
	return []member{own}
}

// transferTo records where a call.transferred event moved the call and
// returns that target as a member: the new outbound leg when one went out
// through a trunk, else the IVR or the local account the number names,
// else an outbound leg to the number.
func (m *callMeta) transferTo(e event.Event, cfg config.Config) member {
	_, isIVR := cfg.IVR(e.To)
	_, isExt := cfg.Account(e.To)
	switch {
	case e.Trunk == "" && e.Leg == "" && isIVR:
		m.ivr, m.peer = e.To, nil
		return member{IVR: &ivrRef{IVRID: e.To}}
	case e.Trunk == "" && e.Leg == "" && isExt:
		m.ivr = ""
		m.peer = &member{Ext: &extRef{ExtID: e.To}}
		return *m.peer
	}
	from := e.From
	if from == "" { // the party being connected on
		from = m.from
		if m.dir == dirOutbound {
			from = m.to
		}
	}
	m.ivr = ""
	m.peer = &member{Outbound: &outParty{From: from, To: e.To, Trunk: e.Trunk, OutboundID: e.Leg}}
	return *m.peer
}

// ended is the report of a call.ended event: CallFailed for an outbound call
// that was never answered (for a call not seen starting: one that ended with
// a SIP failure), BYE when the far end hung up (or gave up before the
// answer), HANGUP otherwise.
func (m *callMeta) ended(e event.Event, sn string) any {
	failed := !m.answered && (m.started || e.Status != 0 || e.Reason != "")
	if m.dir == dirOutbound && failed {
		leg := m.leg
		if leg == "" {
			leg = e.CallID
		}
		return failedReport{Action: ActionFailed, Reason: failReason(e), Cause: e.Cause, CallID: e.CallID,
			Outbound: &outParty{From: m.from, To: m.to, Trunk: m.trunk, OutboundID: leg}, SN: sn}
	}
	action := ActionHangup
	if e.Cause == "remote-bye" || e.Cause == "cancel" {
		action = ActionBye
	}
	return endReport{Action: action, CallID: e.CallID, Call: m.members(e.CallID), Cause: e.Cause, SN: sn}
}
