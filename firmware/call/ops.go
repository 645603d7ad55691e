package call

import (
	"context"
	"strings"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/stream"
)

// start begins the running command o.
func (x *executor) start(o *Op) {
	switch o.cmd.Kind {
	case KindPlay:
		if o.cmd.BargeIn {
			if k, ok := x.takeAhead(); ok {
				x.finish(o, Result{Status: StatusKey, Key: string(k)})
				return
			}
		} else {
			x.ahead = x.ahead[:0]
		}
		x.load(o, o.cmd.Prompts)
	case KindCollect:
		if len(o.cmd.Prompts) > 0 && len(x.ahead) == 0 {
			x.load(o, o.cmd.Prompts)
			return
		}
		x.input(o)
	case KindRecord:
		if o.cmd.Beep {
			x.load(o, []string{config.PromptBeep})
			return
		}
		x.input(o)
	case KindWait:
		x.arm(o.cmd.Duration)
	case KindDigits:
		x.sendDigits(o)
	case KindJoin:
		x.join(o)
	}
}

// load fetches and decodes prompts off the executor (a network disk or a
// URL may be slow); loaded gets them.
func (x *executor) load(o *Op, prompts []string) {
	c := x.c
	ctx, cancel := context.WithCancel(c.ctx)
	loaded := make(chan [][]byte, 1)
	o.cancel, o.loaded = cancel, loaded
	codec := stream.Codec(c.audio.Load())
	go func() {
		loaded <- c.load(ctx, prompts, codec)
	}()
}

// loaded starts playing the clips of the running command.
func (x *executor) loaded(clips [][]byte) {
	o := x.cur
	o.loaded, o.cancel = nil, nil
	o.clips = clips
	if len(clips) == 0 {
		x.played()
		return
	}
	x.play(o)
}

// play starts o's clips on the stream.
func (x *executor) play(o *Op) {
	st := x.c.stream()
	if st == nil {
		x.finish(o, Result{Status: StatusFailed, Reason: "no media"})
		return
	}
	x.playing = st.Play(o.clips)
}

// played handles the end of the running command's clips.
func (x *executor) played() {
	o := x.cur
	o.plays++
	switch o.cmd.Kind {
	case KindPlay:
		if len(o.clips) > 0 && (o.cmd.Loop < 0 || o.plays < o.cmd.Loop) {
			x.play(o)
			return
		}
		x.finish(o, Result{Status: StatusDone})
	case KindCollect, KindRecord:
		x.input(o)
	}
}

// input starts a collect's wait for digits, or a record's recording.
func (x *executor) input(o *Op) {
	o.phase = phaseInput
	switch o.cmd.Kind {
	case KindCollect:
		if o.cmd.ClearAhead && o.phase == phaseInput && len(o.digits) == 0 {
			x.ahead = x.ahead[:0]
		}
		for x.cur == o {
			k, ok := x.takeAhead()
			if !ok {
				break
			}
			x.collectKey(o, k)
		}
		if x.cur != o {
			return
		}
		if len(o.digits) == 0 && o.cmd.FirstTimeout == 0 {
			x.finish(o, Result{Status: StatusTimeout})
			return
		}
		if len(o.digits) == 0 {
			x.arm(o.cmd.FirstTimeout)
		} else {
			x.arm(o.cmd.InterTimeout)
		}
	case KindRecord:
		rec, err := x.c.startRecording(o.cmd, "")
		if err != nil {
			x.finish(o, Result{Status: StatusFailed, Reason: err.Error()})
			return
		}
		o.rec = rec
		x.recDone = rec.rec.Done()
	}
}

// opKey hands a key to the running command.
func (x *executor) opKey(o *Op, k byte) {
	switch o.cmd.Kind {
	case KindPlay:
		if o.cmd.BargeIn {
			x.finish(o, Result{Status: StatusKey, Key: string(k)})
		}
	case KindCollect:
		if o.phase == phasePrompts {
			x.release(o) // the prompt stops at the first key
			o.phase = phaseInput
			x.collectKey(o, k)
			if x.cur == o {
				x.arm(o.cmd.InterTimeout)
			}
			return
		}
		x.collectKey(o, k)
		if x.cur == o {
			x.arm(o.cmd.InterTimeout)
		}
	case KindRecord:
		if o.phase == phaseInput && o.rec != nil && strings.IndexByte(o.cmd.FinishKeys, k) >= 0 && o.ending == "" {
			o.endKey = string(k)
			x.stopCur(StatusDone, "key")
		}
	default:
		x.pushAhead(k)
	}
}

// collectKey adds a key to a collect, ending it on a finish key or at
// MaxDigits.
func (x *executor) collectKey(o *Op, k byte) {
	if strings.IndexByte(o.cmd.FinishKeys, k) >= 0 {
		status := StatusDone
		if len(o.digits) < o.cmd.MinDigits {
			status = StatusInvalid
		}
		x.finish(o, Result{Status: status, Key: string(k), Digits: string(o.digits)})
		return
	}
	o.digits = append(o.digits, k)
	if len(o.digits) >= o.cmd.MaxDigits {
		x.finish(o, Result{Status: StatusDone, Digits: string(o.digits)})
	}
}

// timeout handles the running command's timer.
func (x *executor) timeout() {
	o := x.cur
	if o == nil {
		return
	}
	switch o.cmd.Kind {
	case KindWait:
		x.finish(o, Result{Status: StatusDone})
	case KindCollect:
		status := StatusTimeout
		if len(o.digits) > 0 && len(o.digits) >= o.cmd.MinDigits {
			status = StatusDone
		}
		x.finish(o, Result{Status: status, Digits: string(o.digits), Reason: "timeout"})
	}
}

// recorded handles the end of the running command's recording.
func (x *executor) recorded() {
	o := x.cur
	if o == nil || o.rec == nil {
		return
	}
	rec := o.rec
	o.rec = nil
	r := x.c.finishRecording(rec)
	status, reason := o.ending, o.endReason
	if status == "" {
		status, reason = StatusDone, r.Reason
	}
	res := recordResult(r, Result{Status: status, Reason: reason, Key: o.endKey})
	x.finish(o, res)
}

// sendDigits queues a digits command's keys on the stream.
func (x *executor) sendDigits(o *Op) {
	st := x.c.stream()
	if st == nil {
		x.finish(o, Result{Status: StatusFailed, Reason: "no media"})
		return
	}
	for i := 0; i < len(o.cmd.Digits); i++ {
		if err := st.SendDigit(o.cmd.Digits[i], o.cmd.Duration); err != nil {
			x.finish(o, Result{Status: StatusFailed, Reason: err.Error(), Digits: o.cmd.Digits[:i]})
			return
		}
	}
	x.finish(o, Result{Status: StatusDone, Digits: o.cmd.Digits})
}

// load resolves, expands and decodes prompts into payloads for codec. A
// prompt that cannot be played is skipped with a PromptSkipped event.
func (c *Call) load(ctx context.Context, prompts []string, codec stream.Codec) [][]byte {
	clips := make([][]byte, 0, len(prompts))
	for _, name := range prompts {
		full, err := config.ExpandPrompt(name, c.Var)
		if err != nil {
			c.skipped(name, err)
			continue
		}
		a, err := c.m.opt.Prompts.Get(ctx, full)
		if err != nil {
			if ctx.Err() == nil {
				c.skipped(full, err)
			}
			continue
		}
		if codec == stream.PCMA {
			clips = append(clips, a.ALaw)
		} else {
			clips = append(clips, a.ULaw)
		}
	}
	return clips
}

// skipped logs a prompt that cannot be played and publishes PromptSkipped;
// the call goes on with the next prompt.
func (c *Call) skipped(name string, err error) {
	c.log.Warn("prompt skipped", "prompt", shorten(name), "err", err)
	c.publish(event.Event{Kind: event.PromptSkipped, Prompt: name, Cause: err.Error()})
}

// shorten cuts a prompt name (perhaps a URL with a query) for a log line.
func shorten(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i] + "?…"
	}
	if len(s) > 96 {
		s = s[:96] + "…"
	}
	return s
}
