package xmlivr

import "github.com/ivrbox/ivrbox/firmware/event"

// Lost is a call whose application session a crash cut off: what the box
// journaled of it.
type Lost struct {
	CallSid string // the call's id (the notices' callSid)
	Caller  string // the caller's number
	Called  string // the number called
}

// Restarted sends, in the background and retried like any stopservice,
// the stopservice notice (byetype ByeRestarted) of a call whose session a
// crash cut off, to the application of spec. The box calls it at start
// for each such call in its crash journal; Close stops the retries.
func (e *Engine) Restarted(spec Spec, c Lost) {
	n := Notice{Action: ActStop, CallSid: c.CallSid, Caller: c.Caller, Called: c.Called, Type: "0",
		IVR: spec.IVR, ByeType: ByeRestarted}
	if spec.Direction == event.Outbound {
		n.Type = "1"
	}
	e.log.Info("notice", "action", n.Action, "call", c.CallSid, "url", spec.App.URL, "byetype", n.ByeType)
	e.background(pending{url: spec.App.URL, notice: n, app: spec.App})
}
