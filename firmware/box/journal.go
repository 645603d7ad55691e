package box

import (
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/journal"
)

// openJournal opens the crash journal of live calls, closes the calls a
// crash left in it (a call.ended with cause journal.CauseRestarted for
// each, which the call records, the PBX API's HANGUP and the other
// adapters' hooks take like any other end) and starts keeping it. It runs
// once the bus's hooks and subscribers are in place, before SIP serves.
func (b *Box) openJournal() error {
	j, err := journal.Open(b.Store.DB(), b.log.With("component", "journal"))
	if err != nil {
		return err
	}
	n, err := j.Recover(func(c event.Call) {
		c.State = event.StateEnded
		b.log.Info("call lost in a crash closed", "id", c.ID, "from", c.From, "to", c.To, "ivr", c.IVR)
		b.Bus.Publish(event.Event{Kind: event.CallEnded, CallID: c.ID, Call: &c, Cause: journal.CauseRestarted})
	})
	if err != nil {
		b.log.Error("journal: recovery failed", "err", err)
	}
	if n > 0 {
		b.log.Warn("calls left by a crash closed", "count", n, "cause", journal.CauseRestarted)
	}
	j.Start(b.Bus)
	b.journal = j
	return nil
}

// closeJournal stops the journal once the calls have ended.
func (b *Box) closeJournal() {
	if b.journal != nil {
		b.journal.Close()
	}
}
