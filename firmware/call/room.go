package call

import (
	"github.com/ivrbox/ivrbox/media/stream"
)

// Room is a conference room a call can join (KindJoin). The conference
// package implements it; the call only hands over its media.
type Room interface {
	// Join adds the member to the room: the room attaches a sink to the
	// member's media (what the member says) and sets its source (the mix
	// of the others). It returns leave, which takes the member out and
	// restores the media (idempotent), and gone, which the room closes when
	// it lets the member go by itself (kicked, room ended). reason tells
	// why, once gone is closed.
	Join(m Member) (leave func(), gone <-chan struct{}, reason func() string, err error)
}

// Member is what a room gets of a call.
type Member struct {
	CallID string
	Media  Media
}

// Media is a call's audio as a room uses it: a place to tap what the
// caller says and to switch what the caller hears (a *stream.Stream).
type Media interface {
	AddSink(stream.Sink) error
	RemoveSink(stream.Sink)
	SetSource(stream.Source) stream.Source
	CompareAndSwapSource(old, new stream.Source) bool
}

var _ Media = (*stream.Stream)(nil)

// join starts a KindJoin command: the call enters the room until the room
// lets it go (StatusDone) or the command is stopped.
func (x *executor) join(o *Op) {
	st := x.c.stream()
	if st == nil {
		x.finish(o, Result{Status: StatusFailed, Reason: "no media"})
		return
	}
	leave, gone, reason, err := o.cmd.Room.Join(Member{CallID: x.c.id, Media: st})
	if err != nil {
		x.finish(o, Result{Status: StatusFailed, Reason: err.Error()})
		return
	}
	o.phase, o.leave, o.gone, o.why = phaseInput, leave, gone, reason
}

// left handles a room letting the running command's call go.
func (x *executor) left() {
	o := x.cur
	if o == nil || o.leave == nil {
		return
	}
	reason := "left"
	if o.why != nil {
		reason = o.why()
	}
	x.finish(o, Result{Status: StatusDone, Reason: reason})
}
