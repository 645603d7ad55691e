package ws

import (
	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// notify is the envelope of every event of a class.
type notify struct {
	Class   string `json:"class"`
	Type    string `json:"type"`
	EventTS int64  `json:"eventts"`
	Data    any    `json:"data"`
}

// apiStart is the data of ivrevents.api_start (and, with Reason, api_stop).
type apiStart struct {
	CallID        string `json:"callid"` // the caller leg's SIP Call-ID
	CID           string `json:"cid"`    // the box's call id
	ComponentID   int    `json:"componentid"`
	ComponentName string `json:"componentname"`
	IVRID         string `json:"ivrid"`
	IVRTS         int64  `json:"ivrts"`
	Key           string `json:"key"`
	Params        string `json:"params"`
	SMID          string `json:"sm_id"` // the IVR's number
	State         string `json:"state"` // dialog, early, ringing, incoming
	From          string `json:"from,omitempty"`
	To            string `json:"to,omitempty"`
}

// callDTMF is the data of callevents.dtmf.
type callDTMF struct {
	CallID string `json:"callid"`
	CID    string `json:"cid"`
	IVRID  string `json:"ivrid"`
	DTMF   string `json:"dtmf"`
	Source string `json:"source,omitempty"` // rfc4733, info, inband
}

// callState is the data of the other callevents (invite, dlg_start,
// dlg_end).
type callState struct {
	CallID  string `json:"callid"`
	ACallID string `json:"acallid"`
	CID     string `json:"cid"`
	IVRID   string `json:"ivrid"`
	Dir     string `json:"dir"`
	From    string `json:"from"`
	To      string `json:"to"`
	IVR     string `json:"ivr,omitempty"`
	State   string `json:"state"`
	Cause   string `json:"cause,omitempty"`
}

// dtmfEvent is ivrapi_dtmf.
type dtmfEvent struct {
	Key   string `json:"key"`
	IVRID string `json:"ivrid"`
	Mode  string `json:"mode"` // idle or component
	OID   *int   `json:"oId,omitempty"`
	DTMF  string `json:"dtmf"`
}

// Hook turns the call core's events into the API's: register it with the
// bus. It runs on the publisher's goroutine and only queues messages.
func (a *API) Hook(e event.Event) {
	switch e.Kind {
	case event.ControlOffered:
		if e.Control != nil && e.Control.Key != config.CloudOfferKey {
			a.stepMu.Lock()
			s := a.sessionOf(e.CallID, true)
			st := s.startStep(e)
			a.broadcast(ClassIVR, "api_start", s.startData(st), nil)
			a.stepMu.Unlock()
		}
	case event.ControlEnded:
		if e.Control != nil && e.Control.Key != config.CloudOfferKey {
			a.stepEnded(e)
		}
	case event.DTMFDigit:
		a.dtmf(e)
	case event.CallStarted, event.CallAnswered, event.CallEnded:
		a.callState(e)
	}
}

// stepEnded sends api_stop to the subscribers and to the owner, answers
// the terminates still waiting and removes the step's temp files.
func (a *API) stepEnded(e event.Event) {
	s := a.sessionOf(e.CallID, false)
	if s == nil {
		return
	}
	s.mu.Lock()
	owner := s.owner // s.info stays api_start's: by ControlEnded the call may be in the next IVR already
	s.mu.Unlock()
	a.stepMu.Lock()
	st, waiting := s.endStep()
	if st != nil {
		a.broadcast(ClassIVR, "api_stop", s.stopData(st, e.Control.Reason), owner)
	}
	a.stepMu.Unlock()
	if st == nil {
		return
	}
	for _, p := range waiting {
		p.c.reply(p.name, p.qid, nil)
	}
	a.opt.Files.EndSession(st.temp)
}

// apiStop is the data of ivrevents.api_stop.
type apiStop struct {
	CallID        string `json:"callid"`
	CID           string `json:"cid"`
	ComponentID   int    `json:"componentid"`
	ComponentName string `json:"componentname"`
	IVRID         string `json:"ivrid"`
	IVRTS         int64  `json:"ivrts"`
	Key           string `json:"key"`
	SMID          string `json:"sm_id"`
	Reason        string `json:"reason"` // the vendor's: script, timeout, abort
	Cause         string `json:"cause"`  // the box's: released, timeout, lost, moved, hangup
}

// stopReasons are the vendor's api_stop reasons of the call core's outcomes.
var stopReasons = map[string]string{
	call.OfferReleased: "abort", call.OfferTimeout: "timeout", call.OfferLost: "timeout",
	call.OfferMoved: "script", call.OfferHangup: "script",
}

// stopData is the data of api_stop.
func (s *session) stopData(st *step, cause string) apiStop {
	d := s.startData(st)
	reason := stopReasons[cause]
	if reason == "" {
		reason = "script"
	}
	return apiStop{CallID: d.CallID, CID: d.CID, ComponentID: d.ComponentID, ComponentName: d.ComponentName,
		IVRID: d.IVRID, IVRTS: d.IVRTS, Key: d.Key, SMID: d.SMID, Reason: reason, Cause: cause}
}

// startData is the data of api_start.
func (s *session) startData(st *step) apiStart {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.info
	state := "dialog"
	switch in.State {
	case event.StateRinging:
		state = "ringing"
	case event.StateDialing:
		state = "incoming"
	}
	return apiStart{CallID: in.SIPCallID, CID: s.callID, ComponentID: st.id, ComponentName: st.name,
		IVRID: s.ivrid, IVRTS: in.Started.UnixMilli(), Key: st.key, Params: st.params, SMID: in.IVR,
		State: state, From: in.From, To: in.To}
}

// dtmf sends ivrapi_dtmf to the owner of the call's step, then
// callevents.dtmf to the subscribers.
func (a *API) dtmf(e event.Event) {
	s := a.sessionOf(e.CallID, false)
	ivrid := ivridPrefix + e.CallID
	sip := ""
	if e.Call != nil {
		sip = e.Call.SIPCallID
	}
	if s != nil {
		s.mu.Lock()
		owner, st, comp := s.owner, s.step, s.comp
		s.mu.Unlock()
		if owner != nil && st != nil {
			ev := dtmfEvent{Key: st.key, IVRID: ivrid, Mode: "idle", DTMF: e.Digit}
			if comp != nil {
				oid := comp.oID
				ev.Mode, ev.OID = "component", &oid
			}
			owner.queue(encode(MsgDTMF, ev))
		}
	}
	a.broadcast(ClassCall, "dtmf", callDTMF{CallID: sip, CID: e.CallID, IVRID: ivrid,
		DTMF: e.Digit, Source: e.Source}, nil)
}

// callState sends callevents invite (a call began), dlg_start (it was
// answered) and dlg_end (it ended); a call that ended forgets its session.
func (a *API) callState(e event.Event) {
	typ := "invite"
	switch e.Kind {
	case event.CallAnswered:
		typ = "dlg_start"
	case event.CallEnded:
		typ = "dlg_end"
	}
	a.mu.Lock()
	if e.Kind == event.CallEnded {
		delete(a.sessions, e.CallID)
	}
	none := len(a.conns) == 0
	a.mu.Unlock()
	if e.Call == nil || none { // none: nobody to tell, nothing to build
		return
	}
	in := e.Call
	a.broadcast(ClassCall, typ, callState{CallID: in.SIPCallID, ACallID: in.SIPCallID, CID: e.CallID, IVRID: ivridPrefix + e.CallID,
		Dir: in.Dir, From: in.From, To: in.To, IVR: in.IVR, State: in.State, Cause: e.Cause}, nil)
}

// broadcast queues an event class.typ for every connection subscribed to
// it (once, however many of its subscriptions match), and for also (if not
// nil) even when it is not.
func (a *API) broadcast(class, typ string, data any, also *conn) {
	now := a.opt.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	var m []byte
	for _, c := range a.conns {
		if c != also && !c.wants(class, typ, now) {
			continue
		}
		if m == nil {
			m = encode(MsgNotify, notify{Class: class, Type: typ, EventTS: now.UnixMilli(), Data: data})
		}
		c.queue(m)
	}
}

// replayStarts sends c the api_start of every step in progress.
func (a *API) replayStarts(c *conn) {
	a.mu.Lock()
	list := make([]*session, 0, len(a.sessions))
	for _, s := range a.sessions {
		list = append(list, s)
	}
	a.mu.Unlock()
	for _, s := range list {
		s.mu.Lock()
		st := s.step
		s.mu.Unlock()
		if st != nil {
			c.queue(encode(MsgNotify, notify{Class: ClassIVR, Type: "api_start", EventTS: a.eventTS(), Data: s.startData(st)}))
		}
	}
}
