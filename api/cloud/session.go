package cloud

import (
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// Command tags of the API's own commands.
const (
	tagMedia = "media" // a playMedia list
	tagHold  = "hold"  // the after_media hold loop
)

// session is one call in a cloud-mode IVR, from its offer to the end of
// the step: the application's control of it (taken with its first
// request), its monitor fork and the media it asked for.
type session struct {
	a      *API
	callID string
	ivr    string // the IVR's number
	leg    string // the connection id
	set    config.CloudIVR

	mu     sync.Mutex
	ctl    *call.Control // nil until the first request; replaced when lost
	fork   string        // the monitor fork's id; "" when none
	media  int           // playMedia lists queued or running
	urls   map[uint64]string
	idle   *time.Timer
	closed bool
}

func newSession(a *API, callID, ivr, leg string, set config.CloudIVR) *session {
	return &session{a: a, callID: callID, ivr: ivr, leg: leg, set: set, urls: map[uint64]string{}}
}

// session returns the cloud session of call id, or nil.
func (a *API) session(id string) *session {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[id]
}

// controlled reports whether the application has the call now.
func (s *session) controlled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctl != nil && s.ctl.Owns()
}

// control returns the application's control of the call, taking it (the
// application's first request, or its return after it was lost) when it
// has none, and renews the idle timer.
func (s *session) control() (*call.Control, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errf(CodeNoCall, "call %.80s has left the cloud IVR", s.callID)
	}
	if s.ctl == nil || !s.ctl.Owns() {
		var ctl *call.Control
		ctl, err := s.a.calls.Reaccept(s.callID, config.CloudOfferKey, call.AcceptOptions{Name: "cloud",
			Hooks: call.Hooks{OnResult: s.onResult}})
		if err != nil {
			return nil, fromCall(err)
		}
		s.ctl = ctl
	}
	s.touchLocked()
	return s.ctl, nil
}

// touchLocked restarts the idle timer. s.mu is held.
func (s *session) touchLocked() {
	d := s.set.IdleWait()
	if s.idle == nil {
		s.idle = time.AfterFunc(d, s.idleFired)
		return
	}
	s.idle.Reset(d)
}

// idleFired: the application said nothing for Idle; unless its media is
// still playing it counts as gone (the step waits FirstCommand for it to
// come back, then the fallback runs).
func (s *session) idleFired() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.ctl == nil || s.media > 0 {
		return
	}
	s.a.log.Info("cloud api: application idle: control lost", "call", s.callID, "idle", s.set.IdleWait())
	s.ctl.Orphan()
}

// play queues urls (already checked) after what the application asked for
// before; with stop, it first ends what plays and drops the queue. The
// hold loop always ends first.
func (s *session) play(urls []string, joined string, stop bool) *Error {
	ctl, e := s.control()
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if stop || s.media == 0 {
		ctl.Stop() // the hold loop, or everything when stop
	}
	op, err := ctl.Submit(call.Command{Kind: call.KindPlay, Tag: tagMedia, Prompts: urls, BargeIn: s.set.BargeIn})
	if err != nil {
		return fromCall(err)
	}
	s.media++
	s.urls[op.ID()] = joined
	return nil
}

// stop ends what plays and drops the queue.
func (s *session) stop() *Error {
	ctl, e := s.control()
	if e != nil {
		return e
	}
	ctl.Stop()
	return nil
}

// onResult hears the end of each command of the application's control,
// on the call's executor, without the call's lock: what it asks of the
// control (Stop, Submit, Release) only queues a message and never blocks.
func (s *session) onResult(res call.Result) {
	if res.Tag != tagMedia {
		return
	}
	s.mu.Lock()
	urls := s.urls[res.ID]
	delete(s.urls, res.ID)
	s.media--
	last := s.media == 0
	ctl := s.ctl
	if last {
		s.touchLocked()
	}
	s.mu.Unlock()
	if res.Status == call.StatusHungUp {
		return
	}
	msg := ""
	if res.Status == call.StatusFailed {
		msg = res.Reason
	}
	s.a.emit(s, EventIvrMediaEnded, topicsIVR, func(b base) any {
		return mediaEvent{base: b, URLs: urls, Result: mediaResult(res.Status), DTMF: res.Key, Message: msg}
	})
	switch {
	case res.Status == call.StatusKey:
		ctl.Stop() // barge-in ends the queue too
		if last {
			s.afterMedia()
		}
	case last && res.Status == call.StatusDone:
		s.afterMedia()
	}
}

// afterMedia does what the IVR says when the application's list ended.
func (s *session) afterMedia() {
	s.mu.Lock()
	ctl, idle := s.ctl, s.media == 0 && !s.closed
	s.mu.Unlock()
	if !idle || ctl == nil {
		return
	}
	switch s.set.AfterMedia {
	case config.AfterMediaHold:
		_, _ = ctl.Submit(call.Command{Kind: call.KindPlay, Tag: tagHold, Prompts: s.set.Hold, Loop: -1})
	case config.AfterMediaNext:
		ctl.Release()
	}
}

// mediaResult is the extension event's word for a play's status.
func mediaResult(st call.Status) string {
	switch st {
	case call.StatusDone:
		return "finished"
	case call.StatusKey:
		return "key"
	case call.StatusFailed:
		return "failed"
	}
	return "stopped"
}

// close ends the session (the step is over); the control ends with it.
func (s *session) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.idle != nil {
		s.idle.Stop()
	}
}
