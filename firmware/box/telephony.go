package box

import (
	"time"

	"context"
	"net/netip"
	"sync"

	"github.com/ivrbox/ivrbox/api/admin"
	"github.com/ivrbox/ivrbox/api/pbx"
	"github.com/ivrbox/ivrbox/firmware/outbox"
	"github.com/ivrbox/ivrbox/firmware/route"
	"github.com/ivrbox/ivrbox/firmware/trunk"
)

// openTelephony builds what calls through trunks need: the trunk manager
// (registrations, inbound trunk recognition), the registrar for local
// accounts, inbound routing, the event outbox and the PBX API.
func (b *Box) openTelephony() error {
	var err error
	b.outbox, err = outbox.New(b.Store.DB(), outbox.Options{
		URL:    func() string { return b.Store.Current().API.AppURL },
		Secret: func() string { return b.Store.Current().API.Secret },
		Log:    b.log.With("component", "outbox"),
		Latency: func(d time.Duration) {
			if b.Metrics != nil {
				b.Metrics.DeliveryLatency(d)
			}
		},
	})
	if err != nil {
		return err
	}
	b.Trunks = trunk.New(trunk.Options{SIP: b.SIP, Config: b.Store.Config, Secret: b.Store.Secret,
		Log: b.log.With("component", "trunk"), OnChange: b.trunkChanged})
	b.SIP.SetRegistrar(b.Trunks.Accounts())
	b.Calls.SetRouter(b.routeInbound)
	b.PBX = pbx.New(pbx.Options{Calls: b.Calls, Config: b.Store.Current, Outbox: b.outbox,
		Log: b.log.With("component", "pbx")})
	b.Bus.Hook(b.PBX.Hook)
	b.Bus.Hook(b.Cloud.Hook)
	return nil
}

// routeInbound sends a call from a trunk through the inbound routes; other
// callers reach the IVR on the number they dial.
func (b *Box) routeInbound(src netip.AddrPort, number string) (ivr, trunkName string, ok bool) {
	name, fromTrunk := b.Trunks.Identify(src)
	if !fromTrunk {
		return number, "", true
	}
	ivr, ok = route.MatchInbound(*b.Store.Current(), name, number)
	return ivr, name, ok
}

// trunkState is a trunk's registration state for the admin API.
func (b *Box) trunkState(name string) (status, detail string) {
	if b.Trunks == nil {
		return "unknown", ""
	}
	st := b.Trunks.State(name)
	return st.Status, st.Detail
}

// deliveryStats are the outbox's counters for the admin API.
func (b *Box) deliveryStats() admin.DeliveryStats {
	if b.outbox == nil {
		return admin.DeliveryStats{}
	}
	st := b.outbox.Stats()
	return admin.DeliveryStats{Pending: st.Pending, Delivered: st.Delivered, Retried: st.Retried, Dropped: st.Dropped,
		LastError: st.LastError, QueueAge: st.OldestAge, LastLatency: st.LastLatency}
}

// trunkChanged shows the trunks' registration state on the LEDs.
func (b *Box) trunkChanged() {
	if b.Status != nil && b.Trunks != nil {
		b.Status.SetTrunk(b.Trunks.Summary())
	}
}

// runTelephony starts the trunks and the outbox's delivery; the returned
// func stops the delivery and waits.
func (b *Box) runTelephony() func() {
	b.Trunks.Apply(b.Store.Config())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := b.outbox.Run(ctx); err != nil && ctx.Err() == nil {
			b.log.Error("event outbox stopped", "err", err)
		}
	})
	b.Cloud.Run(ctx)
	return func() { cancel(); wg.Wait() }
}

// closeTelephony un-registers the trunks and closes the PBX API and the
// outbox (pending events stay stored for the next start).
func (b *Box) closeTelephony() {
	if b.Trunks != nil {
		b.Trunks.Close()
	}
	if b.PBX != nil {
		b.PBX.Close()
	}
	if b.Cloud != nil {
		_ = b.Cloud.Close()
	}
	b.closeWS()
	if b.outbox != nil {
		_ = b.outbox.Close()
	}
}
