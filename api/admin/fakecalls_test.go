package admin

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// addCall makes a steerable live call with id (also listed by Calls).
func (f *fakeCalls) addCall(id string) *fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &fakeCall{info: call.Info{ID: id, Leg: id + "-leg", Dir: "inbound", From: "1000", To: "6500", State: "answered",
		Codec: "PCMU", Started: time.Now().UTC().Truncate(time.Second), Source: "127.0.0.1:5061"},
		forks: map[string]call.ForkInfo{}, recs: map[string]call.RecordingInfo{}}
	if f.steer == nil {
		f.steer = map[string]*fakeCall{}
	}
	f.steer[id] = c
	f.live = append(f.live, c.info)
	return c
}

func (f *fakeCalls) Call(id string) LiveCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.steer {
		if c.info.ID == id || c.info.Leg == id {
			return c
		}
	}
	return nil
}

func (f *fakeCalls) Accept(id, key string, opt call.AcceptOptions, over bool) (Controller, error) {
	lc := f.Call(id)
	if lc == nil {
		return nil, &call.Error{Code: call.CodeUnknownCall, Op: "accept", Msg: `"` + id + `"`}
	}
	c := lc.(*fakeCall)
	c.mu.Lock()
	switch {
	case c.offer == nil || c.offer.Key != key:
		c.mu.Unlock()
		return nil, &call.Error{Code: call.CodeNotOffered, Op: "accept", Msg: "not offered under key " + key}
	case c.owner != nil && !over:
		c.mu.Unlock()
		return nil, &call.Error{Code: call.CodeTaken, Op: "accept", Msg: "controlled by " + c.owner.opt.Name}
	}
	prev := c.owner
	ctl := &fakeControl{c: c, opt: opt, done: make(chan struct{}), submitted: make(chan *fakeOp, 16)}
	c.owner = ctl
	c.accepts = append(c.accepts, opt)
	c.mu.Unlock()
	if prev != nil {
		prev.end("taken over")
	}
	return ctl, nil
}

// fakeCall is one live call: forks and recordings in maps, an offer set by
// the test, errors the test wants the next start to give.
type fakeCall struct {
	mu       sync.Mutex
	info     call.Info
	forks    map[string]call.ForkInfo
	recs     map[string]call.RecordingInfo
	offer    *call.OfferSpec
	owner    *fakeControl
	accepts  []call.AcceptOptions
	failNext error // the next StartFork or StartRecording fails with it
	seq      int
}

func (c *fakeCall) Info() call.Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	in := c.info
	if c.owner != nil {
		in.Controller = c.owner.opt.Name
	}
	return in
}

func (c *fakeCall) Forks() []call.ForkInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []call.ForkInfo{}
	for _, f := range c.forks {
		out = append(out, f)
	}
	return out
}

func (c *fakeCall) Recordings() []call.RecordingInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []call.RecordingInfo{}
	for _, r := range c.recs {
		out = append(out, r)
	}
	return out
}

func (c *fakeCall) Offered() (call.OfferSpec, bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.offer == nil {
		return call.OfferSpec{}, false, false
	}
	return *c.offer, c.owner != nil, true
}

// fail returns and clears failNext; c.mu is held.
func (c *fakeCall) failLocked() error {
	err := c.failNext
	c.failNext = nil
	return err
}

func (c *fakeCall) StartFork(ctx context.Context, in, out, tag string) (call.ForkInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.failLocked(); err != nil {
		return call.ForkInfo{}, err
	}
	if in == "" && out == "" {
		return call.ForkInfo{}, &call.Error{Code: call.CodeBadRequest, Op: "fork", Msg: "no target: give in, out or both"}
	}
	c.seq++
	f := call.ForkInfo{ID: "f" + strconv.Itoa(c.seq), In: in, Out: out, Tag: tag, Started: time.Now().Add(time.Duration(c.seq) * time.Millisecond)}
	f.Stats.In.Packets = 7
	c.forks[f.ID] = f
	return f, nil
}

func (c *fakeCall) StopFork(id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.forks[id]; !ok {
		return &call.Error{Code: call.CodeBadRequest, Op: "fork", Msg: "no fork " + id}
	}
	delete(c.forks, id)
	return nil
}

func (c *fakeCall) StartRecording(format string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.failLocked(); err != nil {
		return "", err
	}
	c.seq++
	r := call.RecordingInfo{ID: "r" + strconv.Itoa(c.seq), Format: format, Started: time.Now().Add(time.Duration(c.seq) * time.Millisecond)}
	c.recs[r.ID] = r
	return r.ID, nil
}

func (c *fakeCall) StopRecording(id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.recs[id]; !ok {
		return &call.Error{Code: call.CodeBadRequest, Op: "record", Msg: "no recording " + id}
	}
	delete(c.recs, id)
	return nil
}

// fakeControl is an accepted control: commands end when the test says so
// (finish), or at once with auto's result.
type fakeControl struct {
	c         *fakeCall
	opt       call.AcceptOptions
	done      chan struct{}
	submitted chan *fakeOp
	auto      func(call.Command) *call.Result // nil, or returns nil: the command runs until finished

	mu                       sync.Mutex
	reason                   string
	seq                      uint64
	touches, stops, releases int
	cmds                     []call.Command
}

func (ctl *fakeControl) Submit(cmd call.Command) (Op, error) {
	if ended(ctl) {
		return nil, &call.Error{Code: call.CodeNotOwner, Op: string(cmd.Kind), Msg: "lost the call"}
	}
	ctl.mu.Lock()
	ctl.seq++
	o := &fakeOp{id: ctl.seq, cmd: cmd, done: make(chan struct{})}
	ctl.cmds = append(ctl.cmds, cmd)
	ctl.mu.Unlock()
	if ctl.auto != nil {
		if res := ctl.auto(cmd); res != nil {
			o.finish(*res)
		}
	}
	ctl.submitted <- o
	return o, nil
}

func (ctl *fakeControl) count(n *int) {
	ctl.mu.Lock()
	*n++
	ctl.mu.Unlock()
}

func (ctl *fakeControl) Touch() { ctl.count(&ctl.touches) }
func (ctl *fakeControl) Stop()  { ctl.count(&ctl.stops) }

func (ctl *fakeControl) Release() {
	ctl.count(&ctl.releases)
	ctl.end("released")
}

func (ctl *fakeControl) Done() <-chan struct{} { return ctl.done }

func (ctl *fakeControl) Reason() string {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	return ctl.reason
}

// end ends the control with reason, as the call core does: Done closes,
// then OnEnd hears it.
func (ctl *fakeControl) end(reason string) {
	ctl.mu.Lock()
	select {
	case <-ctl.done:
		ctl.mu.Unlock()
		return
	default:
	}
	ctl.reason = reason
	close(ctl.done)
	ctl.mu.Unlock()
	ctl.c.mu.Lock()
	if ctl.c.owner == ctl {
		ctl.c.owner = nil
	}
	ctl.c.mu.Unlock()
	if f := ctl.opt.Hooks.OnEnd; f != nil {
		f(reason)
	}
}

// fakeOp is one submitted command.
type fakeOp struct {
	id   uint64
	cmd  call.Command
	once sync.Once
	done chan struct{}
	res  call.Result
}

func (o *fakeOp) ID() uint64            { return o.id }
func (o *fakeOp) Done() <-chan struct{} { return o.done }
func (o *fakeOp) Result() call.Result {
	select {
	case <-o.done:
		return o.res
	default:
		return call.Result{ID: o.id, Kind: o.cmd.Kind}
	}
}
func (o *fakeOp) Cancel() { o.finish(call.Result{Status: call.StatusStopped, Reason: "stop"}) }

// finish ends the op with res (its id, kind and tag filled in).
func (o *fakeOp) finish(res call.Result) {
	o.once.Do(func() {
		res.ID, res.Kind, res.Tag = o.id, o.cmd.Kind, o.cmd.Tag
		o.res = res
		close(o.done)
	})
}
