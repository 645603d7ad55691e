package cloud

import "github.com/ivrbox/ivrbox/firmware/event"

// CauseRestarted is the cause of the IvrEndedEvent of a call the box lost
// in a crash (or a power loss) while the application steered it, sent at
// the box's next start.
const CauseRestarted = "BOX_RESTARTED"

// Restarted queues the IvrEndedEvent (cause CauseRestarted) of call c,
// which a crash cut off while it was in cloud IVR ivr: the box calls it
// at start for each such call in its crash journal. The event is
// delivered, like every other, once Run runs.
func (a *API) Restarted(c event.Call, ivr string) {
	s := &session{a: a, callID: c.ID, ivr: ivr, leg: legOf(&c)}
	a.emit(s, EventIvrEnded, topicsBoth, func(b base) any {
		b.LocalConnectionState, b.Cause = "Idle", CauseRestarted
		return b
	})
}
