package ivr

import (
	"context"
	"fmt"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// holdMusic is the built-in prompt played during API control when the IVR
// has no hold prompts of its own.
const holdMusic = config.PromptMusic

// minHoldLoop is the shortest time one pass of API-control hold prompts may
// take; faster passes (all prompts missing) are padded with silence so the
// loop never spins.
const minHoldLoop = time.Second

// visit runs the rounds of ivr (prompts with barge-in, then the wait for a
// first key) and returns the action that follows.
func (s *session) visit(ctx context.Context, ivr config.IVR) (config.Action, error) {
	rounds := ivr.Rounds()
	for r := 1; r <= rounds; r++ {
		s.log.Debug("play prompts", "ivr", ivr.Number, "round", r, "of", rounds, "prompts", ivr.Prompts)
		key, err := s.c.Play(ctx, ivr.Prompts, true)
		if err != nil {
			return config.Action{}, fmt.Errorf("play: %w", err)
		}
		if key == "" {
			s.publish(event.Event{Kind: event.PromptFinished, IVR: ivr.Number, Prompt: last(ivr.Prompts)})
			if wait := ivr.FirstKeyWait(); wait > 0 {
				s.log.Info("wait for key", "ivr", ivr.Number, "round", r, "wait", wait)
				if key, err = s.c.ReadKey(ctx, wait); err != nil {
					return config.Action{}, fmt.Errorf("wait for key: %w", err)
				}
			}
		}
		if key != "" {
			return s.keys(ctx, ivr, key)
		}
	}
	act := ivr.TimeoutAction()
	s.log.Info("timeout", "ivr", ivr.Number, "action", string(act.Type), "target", act.Target)
	return act, nil
}

// keys matches the keys pressed, starting with first, reading more with the
// digit timeout while a longer entry could still match.
func (s *session) keys(ctx context.Context, ivr config.IVR, first string) (config.Action, error) {
	m := newMatcher(ivr)
	pressed := first
	s.sawKey()
	for {
		v, text := m.match(pressed, false)
		if v == needMore {
			key, err := s.c.ReadKey(ctx, ivr.DigitWait())
			if err != nil {
				return config.Action{}, fmt.Errorf("read key: %w", err)
			}
			if key != "" {
				s.sawKey()
				pressed += key
				continue
			}
			s.log.Info("digit timeout", "ivr", ivr.Number, "keys", pressed)
			v, text = m.match(pressed, true)
		}
		switch v {
		case keyMatch:
			act := ivr.Keys[text]
			s.invalids = 0
			s.log.Info("key", "ivr", ivr.Number, "key", text, "action", string(act.Type), "target", act.Target)
			return act, nil
		case stringMatch:
			return s.digits(ctx, ivr, text, pressed[len(text):])
		}
		return s.invalid(ivr, pressed), nil
	}
}

// digits reports a collected string (ended by term, or by its length when
// term is ""), plays the hold prompts and returns the action that follows
// them.
func (s *session) digits(ctx context.Context, ivr config.IVR, digits, term string) (config.Action, error) {
	s.invalids = 0
	s.log.Info("digit string", "ivr", ivr.Number, "digits", digits)
	s.publish(event.Event{Kind: event.DTMFString, IVR: ivr.Number, Digits: digits, Terminator: term})
	col := ivr.Collect
	if len(col.HoldPrompts) > 0 {
		s.log.Info("play hold prompts", "ivr", ivr.Number, "prompts", col.HoldPrompts)
		if _, err := s.c.Play(ctx, col.HoldPrompts, false); err != nil {
			return config.Action{}, fmt.Errorf("play hold prompts: %w", err)
		}
	}
	act := col.AfterAction()
	s.log.Info("after string", "ivr", ivr.Number, "action", string(act.Type), "target", act.Target)
	return act, nil
}

// invalid returns the action for keys that match nothing; replays of the
// same IVR are counted and the one past maxInvalidReplays hangs up.
func (s *session) invalid(ivr config.IVR, pressed string) config.Action {
	act := ivr.InvalidAction()
	replay := act.Type == config.ActRepeat ||
		(act.Type == config.ActIVR || act.Type == config.ActTransfer) && act.Target == ivr.Number
	if replay {
		s.invalids++
		if s.invalids > maxInvalidReplays {
			s.log.Info("invalid entry: too many in a row: hanging up", "ivr", ivr.Number,
				"keys", pressed, "replays", maxInvalidReplays)
			return config.Action{Type: config.ActHangup}
		}
	}
	s.log.Info("invalid entry", "ivr", ivr.Number, "keys", pressed, "action", string(act.Type),
		"target", act.Target, "in_a_row", s.invalids)
	return act
}

// transfer sends the call to number: an IVR of the box, or out of the box
// through Transferer.
func (s *session) transfer(ctx context.Context, number string) (config.Action, error) {
	if _, ok := s.e.lookup(number); ok {
		s.log.Info("transfer to IVR", "ivr", s.cur, "target", number)
		return config.Action{Type: config.ActIVR, Target: number}, nil
	}
	t, ok := s.c.(Transferer)
	if number == "" || !ok {
		s.log.Warn("transfer: no route: hanging up", "ivr", s.cur, "target", number, "can_transfer", ok)
		return config.Action{}, s.hangup(ctx, CauseNoRoute)
	}
	s.log.Info("transfer", "ivr", s.cur, "target", number)
	if err := t.Transfer(ctx, number); err != nil {
		if ctx.Err() != nil || s.callEnded() {
			return config.Action{}, fmt.Errorf("transfer: %w", err)
		}
		s.log.Warn("transfer failed: hanging up", "ivr", s.cur, "target", number, "err", err)
		return config.Action{}, s.hangup(ctx, CauseNoRoute)
	}
	s.log.Info("transferred out of the box", "ivr", s.cur, "target", number)
	return config.Action{}, errDone
}

// Offer outcomes (Offerer) that run an API-control step's fallback: no
// controller took the call in time, or the one that did went away and did
// not come back.
const (
	offerTimeout = "timeout"
	offerLost    = "lost"
)

// apiControl is an API-control step: the call is offered to outside
// controllers (the call publishes the offer) under the step's key, name
// and id (ComponentID of the IVR), with hold music while none has it. When
// the step ends, its fallback follows for the outcomes timeout and lost
// (its next action when it has no fallback), its next action for the
// others (released). A call that cannot be offered plays hold music until
// an API moves it.
func (s *session) apiControl(ctx context.Context, act config.Action) (config.Action, error) {
	prompts := s.holdPrompts()
	step := act.Step(s.cur) // with ID: step.ComponentID(s.cur)
	o, ok := s.c.(Offerer)
	if !ok {
		s.log.Info("API control: hold until moved", "ivr", s.cur, "prompts", prompts)
		return config.Action{}, s.holdForever(ctx, prompts)
	}
	s.log.Info("API control", "ivr", s.cur, "key", step.Key, "id", step.ID, "name", step.Name,
		"timeout", step.Wait(), "prompts", prompts)
	outcome, err := o.Offer(ctx, step, prompts)
	if err != nil {
		return config.Action{}, fmt.Errorf("API control: %w", err)
	}
	branch, next := "next", act.Then()
	if outcome == offerTimeout || outcome == offerLost {
		branch, next = "fallback", act.FallbackAction()
		if step.Fallback == nil {
			branch = "next (no fallback)"
		}
	}
	s.log.Info("API control ended", "ivr", s.cur, "key", step.Key, "outcome", outcome, "runs", branch,
		"action", string(next.Type), "target", next.Target)
	return next, nil
}

// holdPrompts are the prompts of an API-control step's wait: the IVR's hold
// prompts, or the built-in hold music.
func (s *session) holdPrompts() []string {
	if ivr, ok := s.e.lookup(s.cur); ok && ivr.Collect != nil && len(ivr.Collect.HoldPrompts) > 0 {
		return ivr.Collect.HoldPrompts
	}
	return []string{holdMusic}
}

// holdForever plays prompts in a loop until ctx ends or the call does.
func (s *session) holdForever(ctx context.Context, prompts []string) error {
	for {
		start := s.e.clock.Now()
		if _, err := s.c.Play(ctx, prompts, false); err != nil {
			return fmt.Errorf("API control: %w", err)
		}
		if pad := minHoldLoop - s.e.clock.Now().Sub(start); pad > 0 {
			select {
			case <-s.e.clock.After(pad):
			case <-ctx.Done():
				return fmt.Errorf("API control: %w", ctx.Err())
			case <-s.c.Done():
				return fmt.Errorf("API control: call ended")
			}
		}
	}
}

// record is a record step: the caller is recorded, then the action after it
// follows. A call that cannot record skips it.
func (s *session) record(ctx context.Context, act config.Action) (config.Action, error) {
	step := act.Recorder()
	next := act.Then()
	r, ok := s.c.(StepRecorder)
	if !ok {
		s.log.Warn("record step: the call cannot record; skipped", "ivr", s.cur)
		return next, nil
	}
	s.log.Info("record", "ivr", s.cur, "max", step.MaxSeconds, "finish_keys", step.FinishKeys,
		"beep", step.Beep, "silence", step.SilenceSeconds, "format", step.Format)
	file, reason, err := r.RecordStep(ctx, step)
	if err != nil {
		if ctx.Err() != nil || s.callEnded() {
			return config.Action{}, fmt.Errorf("record: %w", err)
		}
		s.log.Warn("record step failed; going on", "ivr", s.cur, "err", err)
		return next, nil
	}
	s.log.Info("recorded", "ivr", s.cur, "file", file, "reason", reason,
		"action", string(next.Type), "target", next.Target)
	return next, nil
}

func last(prompts []string) string {
	if len(prompts) == 0 {
		return ""
	}
	return prompts[len(prompts)-1]
}
