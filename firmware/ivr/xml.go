package ivr

import (
	"context"
	"fmt"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// XMLRunner is optionally implemented by calls that can run an XML IVR
// application (an IVR whose Control is config.ControlXML). RunXML runs the
// call through ivr's application until the session ends: nil once the
// call is over (hung up by either side, the application's fallback
// included), ctx's error when ctx ended first (a Goto or Transfer moves
// the call on), another error when the call failed.
type XMLRunner interface {
	RunXML(ctx context.Context, ivr config.IVR) error
}

// xml runs an IVR whose control is an XML application. A call that cannot
// run one is hung up (cause "error").
func (s *session) xml(ctx context.Context, ivr config.IVR) (config.Action, error) {
	x, ok := s.c.(XMLRunner)
	if !ok {
		s.log.Error("XML control: this call cannot run an XML application: hanging up", "ivr", ivr.Number)
		return config.Action{}, s.hangup(ctx, CauseError)
	}
	s.log.Info("XML control", "ivr", ivr.Number, "url", ivr.XMLSettings().URL)
	if err := x.RunXML(ctx, ivr); err != nil {
		return config.Action{}, fmt.Errorf("XML application: %w", err)
	}
	return config.Action{}, errDone
}
