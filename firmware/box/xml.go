package box

import (
	"context"
	"fmt"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/xmlivr"
)

// openXML makes the XML IVR engine (IVRs whose control is an XML
// application) over the conference rooms, and tells it when a room is
// deleted (its delconf notices). Call after openConf.
func (b *Box) openXML() {
	var rooms xmlivr.Rooms
	if b.Conf != nil {
		rooms = xmlRooms{b.Conf}
	}
	b.XML = xmlivr.New(xmlivr.Options{Rooms: rooms, Bus: b.Bus, Log: b.log.With("component", "xmlivr")})
	x := b.XML
	b.Bus.Hook(func(ev event.Event) {
		if ev.Kind == event.ConfEnded && ev.Conf != nil {
			x.RoomEnded(ev.Conf.ID, ev.Conf.Reason)
		}
	})
}

// closeXML stops the XML engine's background notices (after the calls
// and rooms, so their last notices go out).
func (b *Box) closeXML() {
	if b.XML != nil {
		_ = b.XML.Close()
	}
}

// xmlRooms are the conference rooms as the XML engine uses them: rooms
// made by CreateConf beep when members join and leave (the vendor's
// default prompt mode).
type xmlRooms struct{ m *conf.Manager }

func (r xmlRooms) Create(maxMembers int, owner string) (string, error) {
	info, err := r.m.Create(conf.Spec{MaxMembers: maxMembers, Owner: owner, JoinTone: true, LeaveTone: true})
	if err != nil {
		return "", err
	}
	return info.ID, nil
}

func (r xmlRooms) Room(id string) (call.Room, bool) { return r.m.Room(id) }

func (r xmlRooms) Record(id string) (string, error) { return r.m.Record(id) }

// RunXML runs the call through ivr's XML application (ivr.XMLRunner).
func (c ivrCall) RunXML(ctx context.Context, ivr config.IVR) error {
	if c.xml == nil {
		return fmt.Errorf("xml application: no XML engine on this box")
	}
	dir := event.Inbound
	if isOutbound(c.Control) {
		dir = event.Outbound
	}
	return c.xml.Run(ctx, c.Control, xmlivr.Spec{IVR: ivr.Number, App: ivr.XMLSettings(), Direction: dir})
}
