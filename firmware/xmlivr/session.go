package xmlivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// errHungUp ends a session whose call ended.
var errHungUp = errors.New("xmlivr: the call ended")

// appError is a failed request to the application (and its fallback
// URL): the session's fallback runs.
type appError struct{ err error }

func (a appError) Error() string { return a.err.Error() }
func (a appError) Unwrap() error { return a.err }

// session is one call running an application. Its fields are used only
// by the goroutine running Run.
type session struct {
	e    *Engine
	c    Call
	spec Spec
	log  *slog.Logger

	digits string // $digits: the last digits a Get collected
	confid string // $confid: the last room made or joined
	tag    string // the last Redirect's tag
	hops   int    // requests in a row answered with nothing but Redirects
	bye    string // why the session ended (stopservice byetype); "" while it runs
}

func newSession(e *Engine, c Call, spec Spec) *session {
	return &session{e: e, c: c, spec: spec, log: e.log.With("call", c.ID(), "ivr", spec.IVR)}
}

// run sends startservice and runs the answers until the session ends.
func (s *session) run(ctx context.Context) error {
	ctx, stop := s.untilHangup(ctx)
	defer stop()
	s.log.Info("XML application", "url", s.spec.App.URL)
	s.e.publish(event.Event{Kind: EventStarted, CallID: s.c.ID(), IVR: s.spec.IVR})
	res, err := s.request(ctx, s.spec.App.URL, s.notice(ActStart))
	for err == nil && res != nil {
		res, err = s.verbs(ctx, res.Verbs)
	}
	return s.finish(ctx, err)
}

// untilHangup returns ctx cancelled also when the call ends, so requests
// in flight stop with it.
func (s *session) untilHangup(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-s.c.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(); <-done }
}

// ended reports whether the call is over.
func (s *session) ended() bool {
	select {
	case <-s.c.Done():
		return true
	default:
		return false
	}
}

// finish ends the run on err: nil when the call ended or the session is
// over, ctx's error when the run was stopped (the call moves on), the
// fallback for an application failure, a hang-up for anything else.
func (s *session) finish(ctx context.Context, err error) error {
	var app appError
	switch {
	case s.ended() || errors.Is(err, errHungUp):
		if s.bye == "" {
			s.bye = ByeCaller
		}
		s.log.Info("call ended")
		return nil
	case ctx.Err() != nil:
		s.bye = ByeMoved
		s.log.Info("XML session stopped", "err", context.Cause(ctx))
		return ctx.Err()
	case err == nil:
		if s.bye == "" {
			s.bye = ByeApp
			s.log.Info("no more verbs: hanging up")
			s.hangup(ctx, "normal")
		}
		return nil
	case errors.As(err, &app):
		return s.fallback(ctx, err)
	}
	s.log.Error("call failed: hanging up", "err", err)
	s.bye = ByeError
	s.hangup(ctx, "error")
	return fmt.Errorf("xmlivr: call %q: %w", s.c.ID(), err)
}

// fallback plays the fallback prompt and hangs up.
func (s *session) fallback(ctx context.Context, cause error) error {
	s.log.Warn("XML application failed: fallback", "err", cause, "prompt", s.spec.App.FallbackPrompt)
	s.e.publish(event.Event{Kind: EventFallback, CallID: s.c.ID(), IVR: s.spec.IVR, Cause: cause.Error()})
	s.bye = ByeFallback
	if p := s.spec.App.FallbackPrompt; p != "" {
		if _, err := s.c.Do(ctx, call.Command{Kind: call.KindPlay, Prompts: []string{p}, Tag: "xml-fallback"}); err != nil {
			s.log.Info("fallback prompt not played", "err", err)
		}
	}
	if !s.ended() {
		s.hangup(ctx, "normal")
	}
	return nil
}

// hangup hangs the call up, even when ctx has ended.
func (s *session) hangup(ctx context.Context, cause string) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hangupTimeout)
	defer cancel()
	if err := s.c.Hangup(hctx, cause); err != nil {
		s.log.Warn("hang-up failed", "err", err)
	}
}

// stop sends stopservice in the background.
func (s *session) stop(ctx context.Context) {
	if s.bye == "" {
		s.bye = ByeCaller
		if !s.ended() && ctx.Err() != nil {
			s.bye = ByeMoved
		}
	}
	n := s.notice(ActStop)
	n.ByeType = s.bye
	s.e.background(pending{url: s.spec.App.URL, notice: n, app: s.spec.App})
}

// notice returns a notice about the call with the session's variables.
func (s *session) notice(action string) Notice {
	n := Notice{Action: action, CallSid: s.c.ID(), Caller: s.c.Var(config.VarCallerID), Called: s.c.Var(config.VarCallee),
		Type: "0", IVR: s.spec.IVR, Tag: s.tag, ConfID: s.confid}
	if s.spec.Direction == event.Outbound {
		n.Type = "1"
	}
	if s.digits != "" {
		d := s.digits
		n.Digits = &d
	}
	return n
}

// request POSTs n to target (relative to the application's URL) and
// returns the answer; when that fails it tries the fallback URL once.
// Failures of both are an appError.
func (s *session) request(ctx context.Context, target string, n Notice) (*Response, error) {
	app := s.spec.App
	u, err := resolve(app.URL, target, "")
	if err != nil {
		return nil, appError{err}
	}
	n.Timestamp = stamp(s.e.now())
	body, err := n.Marshal()
	if err != nil {
		return nil, fmt.Errorf("xmlivr: encoding the %s notice: %w", n.Action, err)
	}
	s.log.Info("notice", "action", n.Action, "url", u)
	res, err := s.e.post(ctx, u, body, app.Secret, n.CallSid, app.Timeout())
	if err == nil || ctx.Err() != nil {
		return res, err
	}
	s.log.Warn("application request failed", "action", n.Action, "url", u, "err", err)
	if app.FallbackURL == "" {
		return nil, appError{err}
	}
	res, ferr := s.e.post(ctx, app.FallbackURL, body, app.Secret, n.CallSid, app.Timeout())
	if ferr == nil || ctx.Err() != nil {
		return res, ferr
	}
	return nil, appError{fmt.Errorf("%w; fallback URL: %w", err, ferr)}
}

// sub substitutes the session's variables in s.
func (s *session) sub(v string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	return strings.NewReplacer("$digits", s.digits, "$confid", s.confid).Replace(v)
}

// do runs cmd and turns how it ended into an error: errHungUp when the
// call ended, ctx's error when the run was stopped, an error when the
// command failed or the session lost the call.
func (s *session) do(ctx context.Context, cmd call.Command) (call.Result, error) {
	res, err := s.c.Do(ctx, cmd)
	switch {
	case s.ended() || res.Status == call.StatusHungUp:
		return res, errHungUp
	case ctx.Err() != nil:
		return res, ctx.Err()
	case err != nil:
		return res, fmt.Errorf("%s: %w", cmd.Kind, err)
	case res.Status == call.StatusStopped:
		return res, fmt.Errorf("%s: stopped: %s", cmd.Kind, res.Reason)
	case res.Status == call.StatusFailed:
		return res, fmt.Errorf("%s: failed: %s", cmd.Kind, res.Reason)
	}
	return res, nil
}

// idleWait waits in silence until the call ends, ctx ends or d passes.
func (s *session) idleWait(ctx context.Context, d time.Duration) error {
	_, err := s.do(ctx, call.Command{Kind: call.KindWait, Duration: d, Tag: "xml-cmdnone"})
	return err
}
