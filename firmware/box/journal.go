package box

import (
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/journal"
	"github.com/ivrbox/ivrbox/firmware/xmlivr"
)

// openJournal opens the crash journal of live calls, closes the calls a
// crash left in it and starts keeping it. Each call left gets a
// call.ended with cause journal.CauseRestarted (which the call records and
// the PBX API's HANGUP take like any other end) and, when an application
// server steered it, that server's own end notice (closeApp). It runs
// once the bus's hooks and subscribers are in place and the cloud API and
// the XML engine exist, before SIP serves; the notices are sent in the
// background.
func (b *Box) openJournal() error {
	j, err := journal.Open(b.Store.DB(), b.log.With("component", "journal"))
	if err != nil {
		return err
	}
	n, err := j.Recover(func(en journal.Entry) {
		c := en.Call
		c.State = event.StateEnded
		b.log.Info("call lost in a crash closed", "id", c.ID, "from", c.From, "to", c.To, "ivr", c.IVR, "app", en.App)
		b.Bus.Publish(event.Event{Kind: event.CallEnded, CallID: c.ID, Call: &c, Cause: journal.CauseRestarted})
		b.closeApp(en)
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

// closeApp sends the end notice of a call lost in a crash to the
// application server that steered it: the cloud API's IvrEndedEvent
// (through its subscriptions' outboxes), or the XML application's
// stopservice (to the URL the IVR has now, retried in the background).
func (b *Box) closeApp(en journal.Entry) {
	switch en.App {
	case journal.AppCloud:
		if b.Cloud != nil {
			b.Cloud.Restarted(en.Call, en.AppIVR)
		}
	case journal.AppXML:
		ivr, ok := b.Store.Current().IVR(en.AppIVR)
		if !ok || ivr.Control != config.ControlXML || b.XML == nil {
			b.log.Warn("call lost in a crash: its XML application is gone, no stopservice", "id", en.ID, "ivr", en.AppIVR)
			return
		}
		b.XML.Restarted(xmlivr.Spec{IVR: ivr.Number, App: ivr.XMLSettings(), Direction: en.Dir},
			xmlivr.Lost{CallSid: en.ID, Caller: en.From, Called: en.To})
	}
}
