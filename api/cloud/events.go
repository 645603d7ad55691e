package cloud

import (
	"encoding/json"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// The event names: the seed's two and the extensions.
const (
	EventIvrStarted    = "IvrStartedEvent"
	EventIvrEnded      = "IvrEndedEvent"
	EventIvrDtmf       = "IvrDtmfEvent"
	EventIvrMediaEnded = "IvrMediaEndedEvent"
)

// TimeFormat is the seed's eventTime layout, in the box's local time.
const TimeFormat = "2006.01.02 15:04:05"

// The causes of IvrEndedEvent.
const (
	CauseIVR         = "IVR"          // IvrStartedEvent: the call entered the IVR
	CauseNormalClear = "NORMAL_CLEAR" // the caller or the box hung up
	CauseTransfer    = "TRANSFER"     // the call was moved to another IVR or number
	CauseTimeout     = "TIMEOUT"      // the application never came or went away: the fallback ran
	CauseAppRelease  = "APP_RELEASE"  // the application's media ended (after_media next): the IVR's next action ran
)

// base are the fields every event has.
type base struct {
	EventName            string   `json:"eventName"`
	EventSrc             string   `json:"eventSrc"`
	EventTime            string   `json:"eventTime"`
	Serial               int64    `json:"serial"`
	Namespace            string   `json:"namespace"`
	SrcDeviceID          string   `json:"srcDeviceId"`
	CallID               string   `json:"callId"`
	DeviceID             string   `json:"deviceId"`
	ConnectionID         string   `json:"connectionId"`
	LocalConnectionState string   `json:"localConnectionState,omitempty"`
	Cause                string   `json:"cause,omitempty"`
	Topics               []string `json:"topics"`
}

// startedEvent is IvrStartedEvent.
type startedEvent struct {
	base
	CallingDevice string `json:"callingDevice"`
	CalledDevice  string `json:"calledDevice"`
	SIPCallID     string `json:"sipCallId"`
	SIPFromTag    string `json:"sipFromTag"`
	SIPToTag      string `json:"sipToTag"`
}

// dtmfEvent is IvrDtmfEvent.
type dtmfEvent struct {
	base
	DTMF string `json:"dtmf"`
}

// mediaEvent is IvrMediaEndedEvent.
type mediaEvent struct {
	base
	URLs    string `json:"urls"`
	Result  string `json:"result"`
	DTMF    string `json:"dtmf,omitempty"`
	Message string `json:"message,omitempty"`
}

var (
	topicsBoth = []string{TopicIVR, TopicCall}
	topicsIVR  = []string{TopicIVR}
)

// Hook turns the call core's events about cloud-mode IVRs into the API's
// events and queues them for the subscribers. Register it with the bus
// (bus.Hook(api.Hook)). It runs on the publisher's goroutine and never
// touches the disk or the network (but once in a few thousand events,
// when the serials' reservation fell behind, for one write).
func (a *API) Hook(e event.Event) {
	switch e.Kind {
	case event.ControlOffered:
		if e.Control != nil && e.Control.Key == config.CloudOfferKey {
			a.started(e)
		}
	case event.ControlEnded:
		if e.Control != nil && e.Control.Key == config.CloudOfferKey {
			a.ended(e)
		}
	case event.DTMFDigit:
		if s := a.session(e.CallID); s != nil && s.controlled() {
			a.emit(s, EventIvrDtmf, topicsIVR, func(b base) any { return dtmfEvent{base: b, DTMF: e.Digit} })
		}
	}
}

// started opens the call's session and announces it.
func (a *API) started(e event.Event) {
	c := e.Call
	if c == nil {
		return
	}
	number := e.Control.Params
	if number == "" {
		number = c.IVR
	}
	cfg := a.config()
	var set config.CloudIVR
	if ivr, ok := cfg.IVR(number); ok {
		set = ivr.CloudSettings()
	}
	s := newSession(a, e.CallID, number, legOf(c), set)
	a.mu.Lock()
	a.sessions[e.CallID] = s
	a.mu.Unlock()
	ns := cfg.Cloud.NS()
	a.emit(s, EventIvrStarted, topicsBoth, func(b base) any {
		b.LocalConnectionState, b.Cause = "Connect", CauseIVR
		return startedEvent{base: b, CallingDevice: c.From + "@" + ns, CalledDevice: c.To + "@" + ns,
			SIPCallID: c.SIPCallID, SIPFromTag: c.FromTag, SIPToTag: c.ToTag}
	})
}

// ended announces the end of the call's cloud IVR and closes its session.
func (a *API) ended(e event.Event) {
	a.mu.Lock()
	s := a.sessions[e.CallID]
	delete(a.sessions, e.CallID)
	a.mu.Unlock()
	if s == nil {
		return
	}
	s.close()
	cause := CauseNormalClear
	switch e.Control.Reason {
	case call.OfferTimeout, call.OfferLost:
		cause = CauseTimeout
	case call.OfferReleased:
		cause = CauseAppRelease
	case call.OfferMoved:
		cause = CauseTransfer
	}
	a.emit(s, EventIvrEnded, topicsBoth, func(b base) any {
		b.LocalConnectionState, b.Cause = "Idle", cause
		return b
	})
}

// legOf is the call's connection id: its leg to the caller.
func legOf(c *event.Call) string {
	if c.Leg != "" {
		return c.Leg
	}
	return c.ID
}

// emit builds one event about s's call with the next serial and queues
// it. a.emitMu keeps serials in the order events are queued.
func (a *API) emit(s *session, name string, topics []string, build func(base) any) {
	cfg := a.config()
	ns := cfg.Cloud.NS()
	dev := s.ivr + "@" + ns
	a.emitMu.Lock()
	defer a.emitMu.Unlock()
	b := base{EventName: name, EventSrc: dev, EventTime: a.now().Format(TimeFormat), Serial: a.serials.Next(),
		Namespace: ns, SrcDeviceID: dev, CallID: s.callID, DeviceID: dev, ConnectionID: s.leg, Topics: topics}
	body, err := json.Marshal(build(b))
	if err != nil {
		a.log.Error("cloud api: event not encoded", "event", name, "err", err)
		return
	}
	a.subs.enqueue(s.callID, ns, topics, body)
}
