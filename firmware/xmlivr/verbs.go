package xmlivr

import (
	"context"
	"fmt"
	"strings"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// DigitPrompt returns the built-in prompt that says digit d ('0'-'9'):
// "digits/0" … "digits/9".
func DigitPrompt(d byte) string { return "digits/" + string(d) }

// verbs runs verbs in order. It returns the answer of the request a verb
// made (that answer runs next, the remaining verbs are dropped), nil when
// the session is over or the verbs ran out, or an error.
func (s *session) verbs(ctx context.Context, verbs []Verb) (*Response, error) {
	for _, v := range verbs {
		s.log.Info("verb", "verb", v.Name)
		next, over, err := s.verb(ctx, v)
		if err != nil || next != nil || over {
			return next, err
		}
	}
	return nil, nil
}

// verb runs one verb: the answer of its request, whether the session is
// over, or an error.
func (s *session) verb(ctx context.Context, v Verb) (*Response, bool, error) {
	switch v.Name {
	case VerbGet:
		return s.get(ctx, v)
	case VerbPlay:
		return nil, false, s.play(ctx, v)
	case VerbPlayMix:
		return nil, false, s.playMix(ctx, v)
	case VerbRedirect:
		return s.redirect(ctx, v)
	case VerbHangup:
		s.bye = ByeApp
		s.hangup(ctx, "normal")
		return nil, true, nil
	case VerbCreateConf:
		return s.createConf(ctx, v)
	case VerbJoinConf:
		return s.joinConf(ctx, v)
	case VerbCmdNone:
		return nil, true, s.cmdNone(ctx)
	}
	return nil, false, appError{fmt.Errorf("%w: <%s>", ErrUnknownVerb, v.Name)}
}

// get plays the nested prompts and collects digits: on a timeout without
// keys the verbs after it run; with keys the digits are POSTed to its
// action (default "dtmfreport") and the answer runs.
func (s *session) get(ctx context.Context, v Verb) (*Response, bool, error) {
	digits, got, err := s.collect(ctx, v)
	if err != nil || !got {
		return nil, false, err
	}
	s.digits, s.hops = digits, 0
	n := s.notice(ActDigits)
	n.Digits = &digits
	target := s.sub(v.Action)
	if target == "" {
		target = ActDigits
	}
	res, err := s.request(ctx, target, n)
	return res, false, err
}

// collect runs a Get's prompts and collection; got says keys were pressed.
func (s *session) collect(ctx context.Context, v Verb) (digits string, got bool, err error) {
	prompts, forever := s.getPrompts(v.Plays)
	if forever {
		return s.collectLooping(ctx, v, prompts)
	}
	res, err := s.do(ctx, call.Command{Kind: call.KindCollect, Tag: "xml-get", Prompts: prompts,
		MaxDigits: v.NumDigits, FinishKeys: v.FinishKey, FirstTimeout: v.Timeout})
	if err != nil {
		return "", false, err
	}
	switch res.Status {
	case call.StatusTimeout:
		return res.Digits, res.Digits != "", nil
	case call.StatusInvalid: // only the finish key: keys were pressed
		return res.Digits, true, nil
	}
	return res.Digits, true, nil
}

// collectLooping runs a Get whose prompts loop (a nested Play with
// loop="-1"): they play until a key or the Get's timeout, then the other
// digits are collected.
func (s *session) collectLooping(ctx context.Context, v Verb, prompts []string) (string, bool, error) {
	pctx, cancel := context.WithTimeout(ctx, v.Timeout)
	res, err := s.c.Do(pctx, call.Command{Kind: call.KindPlay, Tag: "xml-get", Prompts: prompts, Loop: -1, BargeIn: true})
	timedOut := pctx.Err() != nil && ctx.Err() == nil
	cancel()
	switch {
	case s.ended() || res.Status == call.StatusHungUp:
		return "", false, errHungUp
	case ctx.Err() != nil:
		return "", false, ctx.Err()
	case timedOut && res.Key == "":
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("get: %w", err)
	case res.Key == "":
		return "", false, nil
	case strings.Contains(v.FinishKey, res.Key):
		return "", true, nil
	case v.NumDigits == 1:
		return res.Key, true, nil
	}
	more, err := s.do(ctx, call.Command{Kind: call.KindCollect, Tag: "xml-get", MinDigits: 1,
		MaxDigits: v.NumDigits - 1, FinishKeys: v.FinishKey, FirstTimeout: v.Timeout})
	if err != nil {
		return "", false, err
	}
	return res.Key + more.Digits, true, nil
}

// getPrompts expands a Get's nested Plays (each Loop times) into one list
// of at most call.MaxPrompts names; forever says one loops until a key.
func (s *session) getPrompts(plays []Verb) (prompts []string, forever bool) {
	for _, p := range plays {
		files := s.files(p.Files)
		if p.Loop < 0 {
			forever = true
			prompts = append(prompts, files...)
			continue
		}
		for range p.Loop {
			prompts = append(prompts, files...)
		}
	}
	if len(prompts) > call.MaxPrompts {
		s.log.Warn("Get prompts cut", "prompts", len(prompts), "max", call.MaxPrompts)
		prompts = prompts[:call.MaxPrompts]
	}
	return prompts, forever
}

// files substitutes the variables in names.
func (s *session) files(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n = s.sub(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// play plays a Play's files Loop times; a key stops it (and is dropped).
func (s *session) play(ctx context.Context, v Verb) error {
	files := s.files(v.Files)
	if v.Loop == 0 || len(files) == 0 {
		return nil
	}
	s.hops = 0
	_, err := s.do(ctx, call.Command{Kind: call.KindPlay, Tag: "xml-play", Prompts: files, Loop: v.Loop, BargeIn: true})
	return err
}

// playMix plays a PlayMix (type 40): its files, and its numbers digit by
// digit with the built-in digit prompts. No key stops it.
func (s *session) playMix(ctx context.Context, v Verb) error {
	var prompts []string
	for _, part := range s.files(v.Files) {
		if isNumber(part) {
			for i := range len(part) {
				prompts = append(prompts, DigitPrompt(part[i]))
			}
			continue
		}
		prompts = append(prompts, part)
	}
	if len(prompts) == 0 {
		return nil
	}
	if len(prompts) > call.MaxPrompts {
		s.log.Warn("PlayMix cut", "prompts", len(prompts), "max", call.MaxPrompts)
		prompts = prompts[:call.MaxPrompts]
	}
	s.hops = 0
	_, err := s.do(ctx, call.Command{Kind: call.KindPlay, Tag: "xml-playmix", Prompts: prompts})
	return err
}

// isNumber reports whether s is all ASCII digits.
func isNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// redirect POSTs the redirect notice to the Redirect's URL and runs the
// answer.
func (s *session) redirect(ctx context.Context, v Verb) (*Response, bool, error) {
	s.hops++
	if s.hops > maxHops {
		return nil, false, appError{fmt.Errorf("xmlivr: %d redirects in a row with nothing played or collected", s.hops)}
	}
	s.tag = s.sub(v.Tag)
	res, err := s.request(ctx, s.sub(v.URL), s.notice(ActRedirect))
	return res, false, err
}

// cmdNone ends the application's commands. A call out of any room waits
// in silence until the caller hangs up, at most the engine's IdleHangup,
// then the box hangs up.
func (s *session) cmdNone(ctx context.Context) error {
	s.log.Info("CmdNone: waiting for the caller to hang up", "at_most", s.e.idle)
	if err := s.idleWait(ctx, s.e.idle); err != nil {
		return err
	}
	s.bye = ByeApp
	s.hangup(ctx, "normal")
	return nil
}
