package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// Limits of the engine's guards.
const (
	// maxInvalidReplays is how many times in a row an invalid entry may
	// replay the same IVR; the next invalid entry hangs up.
	maxInvalidReplays = 3
	// guardEntries IVR entries within guardWindow without a single key trip
	// the loop guard (e.g. 6500 timeout → 6501 timeout → 6500 with missing
	// prompts and no waits).
	guardEntries = 100
	guardWindow  = time.Minute
	// hangupTimeout bounds a hang-up sent after the run's context ended.
	hangupTimeout = 5 * time.Second
)

// errDone ends the loop: the call is over (hung up by the engine or
// transferred out of the box).
var errDone = errors.New("call over")

// session is one call running in the engine.
type session struct {
	e   *Engine
	c   Call
	id  string
	log *slog.Logger

	// Loop state, used only by the goroutine running Run.
	cur      string    // number of the IVR the call is in; "" before the first and after leaving
	invalids int       // invalid entries in a row that replayed cur
	entries  int       // IVR entries since the last key, within the guard window
	window   time.Time // start of the loop-guard window

	mu      sync.Mutex         // guards cancel, target and pending
	cancel  context.CancelFunc // cancels the current step; nil between steps
	target  config.Action      // the action requested by Goto or Transfer
	pending bool               // a Goto or Transfer is waiting to be taken
}

// run rings and answers the call, then loops over actions until the call is over.
func (s *session) run(ctx context.Context, number string) error {
	ivr, ok := s.e.lookup(number)
	if !ok {
		s.log.Warn("no IVR on number: rejecting", "ivr", number)
		s.hangup(ctx, CauseNoIVR)
		return fmt.Errorf("ivr: call %q: %w: %q", s.id, ErrUnknownIVR, number)
	}
	s.log.Debug("call start", "ivr", number, "from", s.c.Var(config.VarCallerID), "to", s.c.Var(config.VarCallee))
	if d := ivr.RingTime(); d > 0 {
		s.log.Info("ring", "ivr", number, "for", d)
		if err := s.c.Ring(ctx, d); err != nil {
			return s.end(ctx, fmt.Errorf("ring: %w", err))
		}
	}
	s.log.Debug("answer", "ivr", number)
	if err := s.c.Answer(ctx); err != nil {
		return s.end(ctx, fmt.Errorf("answer: %w", err))
	}
	return s.loop(ctx, config.Action{Type: config.ActIVR, Target: number})
}

// loop performs act, then the action it leads to, and so on, each in its own
// step context that Goto can cancel.
func (s *session) loop(ctx context.Context, act config.Action) error {
	for {
		if target, ok := s.takeGoto(); ok {
			s.log.Info("goto", "ivr", s.cur, "action", string(target.Type), "target", target.Target)
			act = target
		}
		step, done, ok := s.beginStep(ctx)
		if !ok {
			continue // a Goto came in: take it
		}
		next, err := s.perform(step, act)
		done()
		switch {
		case err == nil:
			act = next
		case errors.Is(err, errDone):
			return nil
		case s.gotoPending() && ctx.Err() == nil && !s.callEnded():
			// interrupted by Goto: taken at the top
		default:
			return s.end(ctx, err)
		}
	}
}

// perform does one action and says what comes next.
func (s *session) perform(ctx context.Context, act config.Action) (config.Action, error) {
	switch act.Type {
	case config.ActIVR:
		return s.enter(ctx, act.Target)
	case config.ActRepeat:
		return s.enter(ctx, s.cur)
	case config.ActHangup:
		s.log.Info("hang up", "ivr", s.cur)
		return config.Action{}, s.hangup(ctx, CauseNormal)
	case config.ActTransfer:
		return s.transfer(ctx, act.Target)
	case config.ActAPI:
		return s.apiControl(ctx, act)
	case config.ActRecord:
		return s.record(ctx, act)
	}
	s.log.Error("unknown action type: hanging up", "ivr", s.cur, "type", string(act.Type))
	return config.Action{}, s.hangup(ctx, CauseError)
}

// enter moves the call into the IVR on number (or replays it, when it is
// the current one) and runs it.
func (s *session) enter(ctx context.Context, number string) (config.Action, error) {
	ivr, ok := s.e.lookup(number)
	if !ok {
		s.log.Warn("IVR no longer configured: hanging up", "ivr", s.cur, "target", number)
		return config.Action{}, s.hangup(ctx, CauseNoIVR)
	}
	if s.tripGuard() {
		s.log.Warn("loop guard: too many IVR entries without a key: hanging up",
			"ivr", s.cur, "target", number, "entries", s.entries, "window", guardWindow)
		return config.Action{}, s.hangup(ctx, CauseLoop)
	}
	if number == s.cur {
		s.log.Info("replay", "ivr", number)
	} else {
		s.leave()
		s.cur, s.invalids = number, 0
		s.log.Debug("enter", "ivr", number, "name", ivr.DisplayName())
		s.publish(event.Event{Kind: event.IVREntered, IVR: number})
		s.recordCall(ivr)
	}
	switch ivr.Control {
	case config.ControlCloud:
		return s.cloud(ctx, ivr)
	case config.ControlXML:
		return s.xml(ctx, ivr)
	}
	return s.visit(ctx, ivr)
}

// recordCall starts the whole-call recording an IVR asks for.
func (s *session) recordCall(ivr config.IVR) {
	if ivr.Record == "" {
		return
	}
	r, ok := s.c.(CallRecorder)
	if !ok {
		s.log.Warn("IVR records calls, but this call cannot be recorded", "ivr", ivr.Number)
		return
	}
	if err := r.RecordCall(ivr.Record); err != nil {
		s.log.Warn("call recording not started", "ivr", ivr.Number, "format", ivr.Record, "err", err)
	}
}

// leave publishes IVRLeft for the current IVR, if any.
func (s *session) leave() {
	if s.cur == "" {
		return
	}
	s.log.Debug("leave", "ivr", s.cur)
	s.publish(event.Event{Kind: event.IVRLeft, IVR: s.cur})
	s.cur = ""
}

// tripGuard counts an IVR entry and reports whether the loop guard trips.
func (s *session) tripGuard() bool {
	now := s.e.clock.Now()
	if s.entries == 0 || now.Sub(s.window) > guardWindow {
		s.entries, s.window = 0, now
	}
	s.entries++
	return s.entries > guardEntries
}

// sawKey resets the loop guard: a person is pressing keys.
func (s *session) sawKey() { s.entries = 0 }

// hangup hangs the call up with cause, even when ctx is already cancelled,
// and returns errDone.
func (s *session) hangup(ctx context.Context, cause string) error {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hangupTimeout)
	defer cancel()
	if err := s.c.Hangup(hctx, cause); err != nil {
		s.log.Warn("hang-up failed", "ivr", s.cur, "cause", cause, "err", err)
	}
	return errDone
}

// end finishes a run that stopped on err from a call method.
func (s *session) end(ctx context.Context, err error) error {
	switch {
	case s.callEnded():
		s.log.Debug("call ended", "ivr", s.cur)
		return nil
	case ctx.Err() != nil:
		s.log.Info("engine stopped: hanging up", "ivr", s.cur, "err", context.Cause(ctx))
		s.hangup(ctx, CauseNormal)
		return ctx.Err()
	}
	s.log.Error("call failed: hanging up", "ivr", s.cur, "err", err)
	s.hangup(ctx, CauseError)
	return fmt.Errorf("ivr: call %q: %w", s.id, err)
}

// recoverPanic is deferred by Run: it turns a panic into a logged error and
// a hang-up.
func (s *session) recoverPanic(ctx context.Context, err *error) {
	r := recover()
	if r == nil {
		return
	}
	s.log.Error("panic in IVR run: hanging up", "panic", r, "stack", string(debug.Stack()))
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic in hang-up after panic", "panic", r)
			}
		}()
		s.hangup(ctx, CauseError)
	}()
	*err = fmt.Errorf("ivr: call %q: panic: %v", s.id, r)
}

func (s *session) callEnded() bool {
	select {
	case <-s.c.Done():
		return true
	default:
		return false
	}
}

func (s *session) publish(ev event.Event) {
	ev.CallID = s.id
	s.e.publish(ev)
}

// requestGoto records a Goto (or Transfer) action and interrupts the
// current step.
func (s *session) requestGoto(act config.Action) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.target, s.pending = act, true
	if s.cancel != nil {
		s.cancel()
	}
}

// takeGoto returns the action a Goto or Transfer asked for, if one is
// pending, and clears it.
func (s *session) takeGoto() (config.Action, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pending {
		return config.Action{}, false
	}
	s.pending = false
	return s.target, true
}

func (s *session) gotoPending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// beginStep returns the context of the next step and the func that ends it.
// ok is false when a Goto is pending: the step must not start.
func (s *session) beginStep(parent context.Context) (ctx context.Context, done func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending {
		return nil, nil, false
	}
	ctx, cancel := context.WithCancel(parent)
	s.cancel = cancel
	return ctx, func() {
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
		cancel()
	}, true
}
