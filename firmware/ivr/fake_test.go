package ivr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// errGone is what the fake call's methods return once the call has ended.
var errGone = errors.New("fake: call ended")

// outcome scripts what one Play or ReadKey of the fake call does.
type outcome struct {
	key    string        // key returned (barge-in key, or the key read)
	took   time.Duration // advance the fake clock by this much
	goTo   string        // first ask the engine to move the call here (an API command)
	do     func()        // then run this
	block  bool          // then wait until the step is cancelled or the call ends
	hangup bool          // the caller hangs up during this operation
	panic  bool          // the call panics
}

// fakeCall is a Call whose Play and ReadKey consume scripted outcomes in
// order and record what was asked of them. When the script runs out, Play
// ends its prompts and ReadKey times out; after budget operations the call
// ends by itself, so a looping engine cannot hang a test.
type fakeCall struct {
	id      string
	eng     *Engine
	clock   *fakeClock
	blocked chan string // optional: told the op that blocks
	onRing  func()      // optional: run by Ring

	mu       sync.Mutex // guards the fields below
	script   []outcome
	ops      []string
	gotoErrs []error
	n        int
	budget   int

	done chan struct{}
	once sync.Once
}

func newFakeCall(id string, script []outcome) *fakeCall {
	return &fakeCall{id: id, script: script, budget: 1000, done: make(chan struct{})}
}

func (f *fakeCall) ID() string { return f.id }

func (f *fakeCall) Var(name string) string {
	switch name {
	case "CALLERID":
		return "13800138000"
	case "CALLEE", "EXTEN":
		return "6500"
	case "CALLID":
		return f.id
	}
	return ""
}

func (f *fakeCall) record(op string) {
	f.mu.Lock()
	f.ops = append(f.ops, op)
	f.mu.Unlock()
}

func (f *fakeCall) Ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ops...)
}

func (f *fakeCall) GotoErrs() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]error(nil), f.gotoErrs...)
}

func (f *fakeCall) alive(ctx context.Context) error {
	select {
	case <-f.done:
		return errGone
	default:
	}
	return ctx.Err()
}

func (f *fakeCall) Answer(ctx context.Context) error {
	if err := f.alive(ctx); err != nil {
		return err
	}
	f.record("answer")
	return nil
}

func (f *fakeCall) Ring(ctx context.Context, d time.Duration) error {
	if err := f.alive(ctx); err != nil {
		return err
	}
	f.record("ring " + d.String())
	if f.onRing != nil {
		f.onRing()
	}
	return nil
}

func (f *fakeCall) Play(ctx context.Context, prompts []string, bargeIn bool) (string, error) {
	op := "play " + strings.Join(prompts, ",")
	if bargeIn {
		op += " barge"
	}
	return f.step(ctx, op)
}

func (f *fakeCall) ReadKey(ctx context.Context, d time.Duration) (string, error) {
	return f.step(ctx, "read "+d.String())
}

func (f *fakeCall) Hangup(ctx context.Context, cause string) error {
	f.record("hangup " + cause)
	f.end()
	return nil
}

func (f *fakeCall) Done() <-chan struct{} { return f.done }

func (f *fakeCall) end() { f.once.Do(func() { close(f.done) }) }

// step records op and plays the next outcome of the script.
func (f *fakeCall) step(ctx context.Context, op string) (string, error) {
	if err := f.alive(ctx); err != nil {
		return "", err
	}
	f.mu.Lock()
	f.ops = append(f.ops, op)
	f.n++
	if f.n > f.budget {
		f.ops = append(f.ops, "budget exhausted")
		f.mu.Unlock()
		f.end()
		return "", errGone
	}
	var o outcome
	if len(f.script) > 0 {
		o, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	return f.play(ctx, op, o)
}

func (f *fakeCall) play(ctx context.Context, op string, o outcome) (string, error) {
	if o.took > 0 && f.clock != nil {
		f.clock.advance(o.took)
	}
	if o.panic {
		panic("fake call panics in " + op)
	}
	if o.goTo != "" {
		err := f.eng.Goto(f.id, o.goTo)
		f.mu.Lock()
		f.gotoErrs = append(f.gotoErrs, err)
		f.mu.Unlock()
	}
	if o.do != nil {
		o.do()
	}
	if o.hangup {
		f.end()
		return "", errGone
	}
	if o.block {
		if f.blocked != nil {
			f.blocked <- op
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-f.done:
			return "", errGone
		}
	}
	if err := f.alive(ctx); err != nil {
		return "", err
	}
	return o.key, nil
}

// transferCall is a fakeCall that can also transfer out of the box.
type transferCall struct {
	*fakeCall
	err error // what Transfer returns
}

func (t transferCall) Transfer(ctx context.Context, number string) error {
	t.record("transfer " + number)
	if t.err != nil {
		return t.err
	}
	t.end()
	return nil
}

// stepsCall is a fakeCall that can be offered to controllers and record:
// Offer returns outcome at once, and appends the step to offered when set.
type stepsCall struct {
	*fakeCall
	outcome string
	offered *[]config.APIStep // guarded by fakeCall.mu
}

func (c stepsCall) Offer(ctx context.Context, step config.APIStep, hold []string) (string, error) {
	c.record(fmt.Sprintf("offer %s %s %v %s", step.Key, step.Params, step.Wait(), strings.Join(hold, ",")))
	if c.offered != nil {
		c.mu.Lock()
		*c.offered = append(*c.offered, step)
		c.mu.Unlock()
	}
	return c.outcome, c.alive(ctx)
}

func (c stepsCall) RecordStep(ctx context.Context, s config.RecordStep) (string, string, error) {
	beep := ""
	if s.Beep {
		beep = " beep"
	}
	c.record(fmt.Sprintf("record %ds %s%s %ds %s", s.MaxSeconds, s.FinishKeys, beep, s.SilenceSeconds, s.Format))
	return "2026/12/02/call-1-r1.wav", "key", c.alive(ctx)
}

func (c stepsCall) RecordCall(format string) error {
	c.record("record-call " + format)
	return nil
}

// fakeClock is a Clock that moves only when told, and whose After fires at
// once (advancing the time).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- c.advance(d)
	return ch
}

func (c *fakeClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

var (
	_ Call         = (*fakeCall)(nil)
	_ Transferer   = transferCall{}
	_ Offerer      = stepsCall{}
	_ StepRecorder = stepsCall{}
	_ CallRecorder = stepsCall{}
	_ Clock        = (*fakeClock)(nil)
)
