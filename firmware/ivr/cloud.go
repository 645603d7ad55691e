package ivr

import (
	"fmt"

	"context"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// cloudReleased is the outcome of an offer the application gave back.
const cloudReleased = "released"

// cloud runs an IVR whose control is a cloud application: its prompts once
// as a greeting (no barge-in), then the call is offered under
// config.CloudOfferKey, in silence, for FirstCommand; the cloud IVR API
// announces it (IvrStartedEvent) and takes it with the application's first
// request. When the application is done (it gave the call back) the cloud
// settings' Next runs; when it never came or went away, their Fallback. A
// call that cannot be offered goes to the fallback at once.
func (s *session) cloud(ctx context.Context, ivr config.IVR) (config.Action, error) {
	set := ivr.CloudSettings()
	if len(ivr.Prompts) > 0 {
		s.log.Info("cloud greeting", "ivr", ivr.Number, "prompts", ivr.Prompts)
		if _, err := s.c.Play(ctx, ivr.Prompts, false); err != nil {
			return config.Action{}, fmt.Errorf("greeting: %w", err)
		}
	}
	o, ok := s.c.(Offerer)
	if !ok {
		s.log.Warn("cloud control: the call cannot be offered: fallback", "ivr", ivr.Number)
		return set.FallbackAction(), nil
	}
	wait := int(set.FirstWait().Seconds())
	s.log.Info("cloud control", "ivr", ivr.Number, "first_command", wait)
	outcome, err := o.Offer(ctx, config.APIStep{Key: config.CloudOfferKey, Params: ivr.Number, Timeout: wait}, nil)
	if err != nil {
		return config.Action{}, fmt.Errorf("cloud control: %w", err)
	}
	next := set.FallbackAction()
	if outcome == cloudReleased {
		next = set.NextAction()
	}
	s.log.Info("cloud control ended", "ivr", ivr.Number, "outcome", outcome,
		"action", string(next.Type), "target", next.Target)
	return next, nil
}
