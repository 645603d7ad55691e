package call

import (
	"context"
	"time"
)

// The methods below let a runner (the IVR engine) steer its call in plain
// blocking steps; each is a command on the call's queue, or a call method,
// behind the control's ownership.

// ID is the call's id.
func (ctl *Control) ID() string { return ctl.c.id }

// Var returns a call variable (see Call.Var).
func (ctl *Control) Var(name string) string { return ctl.c.Var(name) }

// Answer answers the call (an outbound call: places it; see Call.Answer).
func (ctl *Control) Answer(ctx context.Context) error { return ctl.c.Answer(ctx) }

// Ring sends 180 Ringing and waits d (see Call.Ring).
func (ctl *Control) Ring(ctx context.Context, d time.Duration) error { return ctl.c.Ring(ctx, d) }

// Hangup ends the call with cause (see Call.Hangup).
func (ctl *Control) Hangup(ctx context.Context, cause string) error { return ctl.c.Hangup(ctx, cause) }

// Transfer puts the call through to a number outside the box (see
// Call.Transfer).
func (ctl *Control) Transfer(ctx context.Context, number string) error {
	return ctl.c.Transfer(ctx, number)
}

// Play plays prompts and waits for them (a KindPlay command). With bargeIn
// a key typed ahead or pressed meanwhile stops them and is returned; key
// is "" when the prompts ended. An empty list returns at once (with a key
// typed ahead, when bargeIn).
func (ctl *Control) Play(ctx context.Context, prompts []string, bargeIn bool) (string, error) {
	res, err := ctl.Do(ctx, Command{Kind: KindPlay, Prompts: prompts, BargeIn: bargeIn})
	return res.Key, ctl.stepErr(ctx, res, err)
}

// ReadKey waits up to d for a key (a key typed ahead first) and returns it,
// or "" when none came (a one-digit KindCollect).
func (ctl *Control) ReadKey(ctx context.Context, d time.Duration) (string, error) {
	res, err := ctl.Do(ctx, Command{Kind: KindCollect, MinDigits: 1, MaxDigits: 1, FirstTimeout: d})
	return res.Digits, ctl.stepErr(ctx, res, err)
}

// stepErr is the error of a blocking step: ctx's, or CodeEnded when the
// call ended, or CodeNotOwner when the control lost the call.
func (ctl *Control) stepErr(ctx context.Context, res Result, err error) error {
	switch {
	case err != nil:
		return err
	case res.Status == StatusHungUp:
		return ctl.c.alive(ctx)
	case res.Status == StatusStopped:
		if err := ctl.c.alive(ctx); err != nil {
			return err
		}
		if !ctl.Owns() {
			return fail(CodeNotOwner, string(res.Kind), nil, "%s lost call %s", ctl.name, ctl.c.id)
		}
	case res.Status == StatusFailed:
		return fail(CodeInternal, string(res.Kind), nil, "%s", res.Reason)
	}
	return nil
}
