package xmlivr

import (
	"context"
	"errors"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// createConf makes a room. When that fails the verbs after it run. With
// autorecord the room is recorded from then on until it ends (a recording
// that cannot start is logged; the room stays). Without autojoin the
// createconf notice goes to its action and the answer runs; with autojoin
// the call joins the room at once (see join).
func (s *session) createConf(ctx context.Context, v Verb) (*Response, bool, error) {
	if s.e.rooms == nil {
		s.log.Warn("CreateConf: no conference rooms on this box: next verb")
		return nil, false, nil
	}
	id, err := s.e.rooms.Create(v.MaxMember, s.c.ID())
	if err != nil {
		s.log.Warn("CreateConf failed: next verb", "err", err)
		return nil, false, nil
	}
	s.confid, s.hops = id, 0
	s.log.Info("conference created", "conf", id, "max_members", v.MaxMember, "autojoin", v.AutoJoin)
	if v.AutoRecord {
		s.autoRecord(id)
	}
	if v.DelReportURL != "" {
		if u, err := resolve(s.spec.App.URL, s.sub(v.DelReportURL), ""); err == nil {
			n := s.notice(ActDelConf)
			n.Result = "0"
			s.e.watchRoom(id, pending{url: u, notice: n, app: s.spec.App})
		} else {
			s.log.Warn("CreateConf delreporturl ignored", "err", err)
		}
	}
	created := s.notice(ActCreateConf)
	created.Result = "0"
	action := s.sub(v.Action)
	if !v.AutoJoin {
		res, err := s.request(ctx, action, created)
		return res, false, err
	}
	room, ok := s.e.rooms.Room(id)
	if !ok {
		s.log.Warn("CreateConf autojoin: the room is gone: next verb", "conf", id)
		return nil, false, nil
	}
	notices := []outbound{{action, created}}
	if v.JoinURL != "" {
		notices = append(notices, outbound{s.sub(v.JoinURL), s.notice(ActJoinConf)})
	}
	return s.join(ctx, room, id, notices, first(s.sub(v.QuitURL), action))
}

// autoRecord starts recording room id (CreateConf autorecord).
func (s *session) autoRecord(id string) {
	file, err := s.e.rooms.Record(id)
	if err != nil {
		s.log.Warn("CreateConf autorecord: the room is not recorded", "conf", id, "err", err)
		return
	}
	s.log.Info("conference recording", "conf", id, "file", file)
}

// joinConf joins the room confid names. When there is no such room, or it
// refuses the call (full), the verbs after it run.
func (s *session) joinConf(ctx context.Context, v Verb) (*Response, bool, error) {
	id := s.sub(v.ConfID)
	if s.e.rooms == nil {
		s.log.Warn("JoinConf: no conference rooms on this box: next verb")
		return nil, false, nil
	}
	room, ok := s.e.rooms.Room(id)
	if !ok {
		s.log.Info("JoinConf: no such room: next verb", "conf", id)
		return nil, false, nil
	}
	action := s.sub(v.Action)
	joined := func() Notice { n := s.notice(ActJoinConf); n.ConfID, n.Result = id, "0"; return n }
	return s.join(ctx, room, id, []outbound{{action, joined()}}, first(s.sub(v.QuitURL), action))
}

// outbound is a notice and where it goes.
type outbound struct {
	url    string
	notice Notice
}

// join puts the call in room id. When the room refuses it, the verbs
// after the verb run. Once in, the notices are POSTed (their answers are
// not run: the call is in the room) and the call stays until the room
// lets it go (kicked, ended) or the caller hangs up; then quitconf goes
// to quit and its answer runs.
func (s *session) join(ctx context.Context, room call.Room, id string, notices []outbound, quit string) (*Response, bool, error) {
	sig := &signalRoom{Room: room, joined: make(chan error, 1)}
	type ended struct {
		res call.Result
		err error
	}
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan ended, 1)
	go func() {
		res, err := s.c.Do(jctx, call.Command{Kind: call.KindJoin, Tag: "xml-conf", Room: sig})
		done <- ended{res, err}
	}()
	var end ended
	select {
	case err := <-sig.joined:
		if err != nil {
			<-done
			s.log.Info("the room refused the call: next verb", "conf", id, "err", err)
			return nil, false, nil
		}
	case end = <-done:
		return nil, false, s.joinFailed(ctx, id, end.res, end.err)
	}
	s.confid, s.hops = id, 0
	s.log.Info("in the conference", "conf", id)
	for _, o := range notices {
		o.notice.ConfID = id
		s.inform(ctx, o)
	}
	end = <-done
	if s.ended() || end.res.Status == call.StatusHungUp {
		return nil, false, errHungUp
	}
	if ctx.Err() != nil {
		return nil, false, ctx.Err()
	}
	s.log.Info("left the conference", "conf", id, "reason", end.res.Reason)
	n := s.notice(ActQuitConf)
	n.ConfID, n.Result, n.Reason = id, "0", end.res.Reason
	res, err := s.request(ctx, quit, n)
	return res, false, err
}

// joinFailed handles a join that ended before the room took the call: the
// call ended, the run stopped, or it failed (the verbs after it run).
func (s *session) joinFailed(ctx context.Context, id string, res call.Result, err error) error {
	switch {
	case s.ended() || res.Status == call.StatusHungUp:
		return errHungUp
	case ctx.Err() != nil:
		return ctx.Err()
	}
	s.log.Info("join failed: next verb", "conf", id, "status", res.Status, "reason", res.Reason, "err", err)
	return nil
}

// inform POSTs a notice whose answer is not run (the call is in a room);
// a failure is only logged. It is sent even when the caller hangs up
// meanwhile (within the request's timeout).
func (s *session) inform(ctx context.Context, o outbound) {
	ctx = context.WithoutCancel(ctx)
	u, err := resolve(s.spec.App.URL, o.url, "")
	if err == nil {
		o.notice.Timestamp = stamp(s.e.now())
		var body []byte
		if body, err = o.notice.Marshal(); err == nil {
			s.log.Info("notice", "action", o.notice.Action, "url", u)
			_, err = s.e.post(ctx, u, body, s.spec.App.Secret, o.notice.CallSid, s.spec.App.Timeout())
		}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("conference notice failed", "action", o.notice.Action, "err", err)
	}
}

// first returns the first non-empty string.
func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// signalRoom tells the session whether the room took the call.
type signalRoom struct {
	call.Room
	joined chan error // buffered: one value
}

// Join joins the room and signals the outcome.
func (r *signalRoom) Join(m call.Member) (leave func(), gone <-chan struct{}, reason func() string, err error) {
	leave, gone, reason, err = r.Room.Join(m)
	select {
	case r.joined <- err:
	default:
	}
	return leave, gone, reason, err
}
