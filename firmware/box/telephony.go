package box

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/ivrbox/ivrbox/api/admin"
	"github.com/ivrbox/ivrbox/api/pbx"
	"github.com/ivrbox/ivrbox/firmware/call"
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
		URL:    func() string { return b.Store.Config().API.AppURL },
		Secret: func() string { return b.Store.Config().API.Secret },
		Log:    b.log.With("component", "outbox"),
	})
	if err != nil {
		return err
	}
	b.Trunks = trunk.New(trunk.Options{SIP: b.SIP, Config: b.Store.Config, Secret: b.Store.Secret,
		Log: b.log.With("component", "trunk"), OnChange: b.trunkChanged})
	b.SIP.SetRegistrar(b.Trunks.Accounts())
	b.Calls.SetRouter(b.routeInbound)
	b.PBX = pbx.New(pbx.Options{Calls: pbxCalls{b.Calls}, Config: b.Store.Config, Outbox: b.outbox,
		Log: b.log.With("component", "pbx")})
	b.Bus.Hook(b.PBX.Hook)
	return nil
}

// routeInbound sends a call from a trunk through the inbound routes; other
// callers reach the IVR on the number they dial.
func (b *Box) routeInbound(src netip.AddrPort, number string) (ivr, trunkName string, ok bool) {
	name, fromTrunk := b.Trunks.Identify(src)
	if !fromTrunk {
		return number, "", true
	}
	ivr, ok = route.MatchInbound(b.Store.Config(), name, number)
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
	return admin.DeliveryStats{Pending: st.Pending, Delivered: st.Delivered, Retried: st.Retried, Dropped: st.Dropped}
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
	if b.outbox != nil {
		_ = b.outbox.Close()
	}
}

// pbxCalls adapts the call manager to the PBX API.
type pbxCalls struct{ m *call.Manager }

var _ pbx.Calls = pbxCalls{}

func (p pbxCalls) DialIVR(ctx context.Context, ivr, number, fromExt string) (pbx.Call, error) {
	info, err := p.m.DialIVR(ctx, ivr, number, fromExt)
	return toPBX(info), pbxErr(err)
}

func (p pbxCalls) Transfer(ctx context.Context, id, number, fromExt string) error {
	return pbxErr(p.m.Transfer(ctx, id, number, fromExt))
}

func (p pbxCalls) Hangup(ctx context.Context, id string) error {
	return pbxErr(p.m.Hangup(ctx, id))
}

func (p pbxCalls) Calls() []pbx.Call {
	infos := p.m.Calls()
	out := make([]pbx.Call, len(infos))
	for i, in := range infos {
		out[i] = toPBX(in)
	}
	return out
}

func (p pbxCalls) Lookup(id string) (pbx.Call, bool) {
	info, ok := p.m.Lookup(id)
	return toPBX(info), ok
}

func toPBX(in call.Info) pbx.Call {
	return pbx.Call{ID: in.ID, Leg: in.Leg, Dir: in.Dir, From: in.From, To: in.To, Trunk: in.Trunk,
		IVR: in.IVR, State: in.State, FromExt: in.FromExt, Started: in.Started, Answered: in.Answered}
}

// pbxErrs maps the call manager's and router's errors onto the PBX API's.
var pbxErrs = []struct{ from, to error }{
	{call.ErrUnknownCall, pbx.ErrUnknownCall},
	{call.ErrUnknownIVR, pbx.ErrUnknownIVR},
	{call.ErrBusy, pbx.ErrBusy},
	{call.ErrNoTrunk, pbx.ErrNoTrunk},
	{call.ErrNotUp, pbx.ErrNotUp},
	{call.ErrNoAccount, pbx.ErrNotUp},
	{route.ErrUnknownAccount, pbx.ErrUnknownAccount},
	{route.ErrNoRoute, pbx.ErrNoRoute},
	{route.ErrNotAllowed, pbx.ErrNotAllowed},
}

func pbxErr(err error) error {
	if err == nil {
		return nil
	}
	for _, m := range pbxErrs {
		if errors.Is(err, m.from) {
			return fmt.Errorf("%w: %w", m.to, err)
		}
	}
	return err
}
