package call

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/stream"
)

// Queue sizes of a call's executor.
const (
	maxQueued = 32             // commands submitted and not finished, per call
	inboxSize = maxQueued + 32 // commands and control messages waiting: room for both
	keyQueue  = 32             // keys waiting for the executor, and keys typed ahead
)

// msgKind says what a msg asks of the executor.
type msgKind int

const (
	msgSubmit msgKind = iota // run op after the ones queued
	msgStop                  // stop ctl's running command and drop its queued ones
	msgCancel                // stop op (running or queued)
	msgDrop                  // ctl lost the call: stop and drop its commands (reason)
	msgLeg                   // watch leg: the call ends when it does
)

// msg is one request to the executor.
type msg struct {
	kind   msgKind
	op     *Op
	ctl    *Control
	reason string
	leg    leg
}

// leg is a SIP leg whose end ends the call.
type leg struct {
	done  <-chan struct{}
	cause func() string
}

// keyIn is a key press on its way to the executor.
type keyIn struct {
	key    byte
	source string
}

// executor is a call's command runner. Every field is owned by the
// executor goroutine (Call.run).
type executor struct {
	c       *Call
	cur     *Op   // the running command
	queue   []*Op // commands waiting, in order
	ahead   []byte
	playing <-chan struct{} // the running command's playback
	timer   *time.Timer
	timerC  <-chan time.Time
	recDone <-chan struct{}
	leg     leg  // the SIP leg whose end ends the call
	closing bool // the call is over: start nothing more
}

// run is the call's executor goroutine: it runs commands in order, hands
// keys to the running command and the controller, and ends every command
// when the call ends. A panic is logged and ends the call, never the box.
func (c *Call) run(first leg) {
	x := &c.x
	x.c = c
	x.timer = time.NewTimer(time.Hour)
	x.timer.Stop()
	x.leg = first
	defer close(c.exited)
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("call executor panicked; ending the call", "panic", r, "stack", string(debug.Stack()))
			c.setCause("error")
			c.cancel(errEnded)
			x.shutdown()
		}
	}()
	for {
		var loaded chan [][]byte
		var gone <-chan struct{}
		if x.cur != nil {
			loaded, gone = x.cur.loaded, x.cur.gone
		}
		select {
		case <-c.ctx.Done():
			x.shutdown()
			return
		case <-x.leg.done:
			x.leg.done = nil
			c.legEnded(x.leg.cause())
		case m := <-c.inbox:
			x.handle(*m)
		case k := <-c.keyIn:
			x.key(k)
		case clips := <-loaded:
			x.loaded(clips)
		case <-x.playing:
			x.playing = nil
			x.played()
		case <-x.timerC:
			x.timerC = nil
			x.timeout()
		case <-x.recDone:
			x.recDone = nil
			x.recorded()
		case <-gone:
			x.left()
		}
	}
}

// send hands m to the executor without blocking; false when the inbox is
// full or the call is over.
func (c *Call) send(m msg) bool {
	select {
	case <-c.exited:
		return false
	default:
	}
	select {
	case c.inbox <- &m: // by pointer: a slot costs 8 bytes, not 56 (64 slots a call)
		return true
	default:
		c.log.Warn("call command queue full", "kind", m.kind)
		return false
	}
}

// offerKey hands a key to the executor without blocking (from the media
// shard or SIP INFO); a full queue drops it.
func (c *Call) offerKey(key byte, source string) {
	select {
	case c.keyIn <- keyIn{key, source}:
	default:
		if c.keysDropped.Add(1) == 1 {
			c.log.Warn("key queue full, key dropped (further drops only counted)")
		}
	}
}

// handle carries out one message.
func (x *executor) handle(m msg) {
	switch m.kind {
	case msgSubmit:
		x.queue = append(x.queue, m.op)
		x.next()
	case msgStop, msgDrop:
		reason := m.reason
		if m.kind == msgStop {
			reason = "stop"
		}
		x.dropOf(m.ctl, reason)
	case msgCancel:
		x.cancelOp(m.op)
	case msgLeg:
		x.leg = m.leg
	}
}

// dropOf ends ctl's running and queued commands with StatusStopped.
func (x *executor) dropOf(ctl *Control, reason string) {
	kept := x.queue[:0]
	var drop []*Op
	for _, o := range x.queue {
		if o.ctl == ctl {
			drop = append(drop, o)
		} else {
			kept = append(kept, o)
		}
	}
	clear(x.queue[len(kept):])
	x.queue = kept
	for _, o := range drop {
		x.finish(o, Result{Status: StatusStopped, Reason: reason})
	}
	if x.cur != nil && x.cur.ctl == ctl {
		x.stopCur(StatusStopped, reason)
	}
}

// cancelOp ends o, running or queued, with StatusStopped.
func (x *executor) cancelOp(o *Op) {
	if x.cur == o {
		x.stopCur(StatusStopped, "stop")
		return
	}
	for i, q := range x.queue {
		if q == o {
			x.queue = append(x.queue[:i], x.queue[i+1:]...)
			x.finish(o, Result{Status: StatusStopped, Reason: "stop"})
			return
		}
	}
}

// next starts the first queued command if none is running.
func (x *executor) next() {
	for x.cur == nil && len(x.queue) > 0 && !x.closing {
		o := x.queue[0]
		x.queue[0] = nil
		x.queue = x.queue[1:]
		if !o.ctl.Owns() {
			x.finish(o, Result{Status: StatusStopped, Reason: "not the call's controller"})
			continue
		}
		x.cur = o
		x.start(o)
	}
}

// shutdown ends every command with StatusHungUp: the call is over.
func (x *executor) shutdown() {
	x.closing = true
	if x.cur != nil {
		x.stopCur(StatusHungUp, "call ended")
	}
	for _, o := range x.queue {
		x.finish(o, Result{Status: StatusHungUp, Reason: "call ended"})
	}
	x.queue = nil
	for {
		select {
		case m := <-x.c.inbox:
			if m.kind == msgSubmit {
				x.finish(m.op, Result{Status: StatusHungUp, Reason: "call ended"})
			}
		default:
			return
		}
	}
}

// key handles one key press: the digit event first (so events keep the
// order of the keys), then the running command, then the controller.
func (x *executor) key(k keyIn) {
	c := x.c
	flag := int(c.flag.Add(1) - 1)
	c.publish(event.Event{Kind: event.DTMFDigit, Digit: string(k.key), Flag: flag, Source: k.source})
	var op uint64
	if o := x.cur; o != nil {
		op = o.id
		x.opKey(o, k.key)
	} else {
		x.pushAhead(k.key)
	}
	c.mu.Lock()
	owner := c.owner
	c.mu.Unlock()
	if f := owner.hooks.OnKey; f != nil {
		f(string(k.key), op)
	}
}

// pushAhead keeps a key for the next command that reads keys, dropping the
// oldest when full.
func (x *executor) pushAhead(k byte) {
	if len(x.ahead) == keyQueue {
		copy(x.ahead, x.ahead[1:])
		x.ahead = x.ahead[:keyQueue-1]
	}
	x.ahead = append(x.ahead, k)
}

// takeAhead takes the oldest key typed ahead.
func (x *executor) takeAhead() (byte, bool) {
	if len(x.ahead) == 0 {
		return 0, false
	}
	k := x.ahead[0]
	x.ahead = append(x.ahead[:0], x.ahead[1:]...)
	return k, true
}

// arm starts the executor's timer.
func (x *executor) arm(d time.Duration) {
	x.timer.Reset(d)
	x.timerC = x.timer.C
}

// disarm stops the timer.
func (x *executor) disarm() {
	if x.timerC != nil {
		x.timer.Stop()
		x.timerC = nil
	}
}

// stream is the call's RTP stream (nil before media opens).
func (c *Call) stream() *stream.Stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}

// finish ends o with res: the result is kept, the op's waiters and its
// controller are told, CommandFinished is published, and the next command
// starts.
func (x *executor) finish(o *Op, res Result) {
	c := x.c
	res.ID, res.Kind, res.Tag = o.id, o.cmd.Kind, o.cmd.Tag
	if x.cur == o {
		x.release(o)
		x.cur = nil
	}
	o.res = res
	c.mu.Lock()
	o.ctl.busy--
	c.queued--
	c.mu.Unlock()
	o.ctl.Touch()
	close(o.done)
	c.publish(event.Event{Kind: event.CommandFinished, Command: &event.Command{
		ID: res.ID, Kind: string(res.Kind), Status: string(res.Status), Key: res.Key, Digits: res.Digits,
		File: res.File, Duration: res.Length.Seconds(), Reason: res.Reason, Controller: o.ctl.name, Tag: res.Tag}})
	if f := o.ctl.hooks.OnResult; f != nil {
		f(res)
	}
	x.next()
}

// release frees what the running command holds: its playback, its prompt
// load, its timer, its recording, its room.
func (x *executor) release(o *Op) {
	if x.playing != nil {
		if st := x.c.stream(); st != nil {
			st.Stop()
		}
		x.playing = nil
	}
	if o.cancel != nil {
		o.cancel()
	}
	o.loaded, o.cancel = nil, nil // a load still running is not played
	x.disarm()
	if o.rec != nil {
		go x.c.stopRecording(o.rec, "stopped")
		o.rec, x.recDone = nil, nil
	}
	if o.leave != nil {
		o.leave()
		o.leave, o.gone = nil, nil
	}
}

// stopCur ends the running command with status. A recording is
// finalised off the executor (its files are flushed to disk) and the
// command ends when it is (recorded), except when the call is over.
func (x *executor) stopCur(status Status, reason string) {
	o := x.cur
	if o.rec != nil && status != StatusHungUp {
		if o.ending == "" {
			o.ending, o.endReason = status, reason
			rec := o.rec
			go x.c.stopRecording(rec, reason)
		}
		return
	}
	res := Result{Status: status, Reason: reason}
	if o.cmd.Kind == KindCollect {
		res.Digits = string(o.digits)
	}
	if o.rec != nil {
		rec := o.rec
		o.rec = nil
		x.recDone = nil
		res = recordResult(x.c.stopRecording(rec, "hangup"), res)
	}
	x.finish(o, res)
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Submit queues cmd on the call: it runs after the commands queued before
// it and ends with one Result (on the returned Op, to the control's
// OnResult hook, and as a CommandFinished event). Errors: CodeNotOwner,
// CodeEnded, CodeBadRequest, CodeQueueFull, CodeUnsupported.
func (ctl *Control) Submit(cmd Command) (*Op, error) {
	c := ctl.c
	if err := cmd.validate(); err != nil {
		return nil, err
	}
	if cmd.Kind == KindRecord && c.m.opt.Recorder == nil {
		return nil, fail(CodeUnsupported, "record", nil, "recording is not set up on this box")
	}
	if c.ctx.Err() != nil {
		return nil, fail(CodeEnded, string(cmd.Kind), errEnded, "call %s", c.id)
	}
	c.mu.Lock()
	owns, full := c.owner == ctl, c.queued >= maxQueued
	if owns && !full {
		ctl.busy++
		c.queued++
	}
	c.mu.Unlock()
	switch {
	case !owns:
		return nil, fail(CodeNotOwner, string(cmd.Kind), nil, "%s does not control call %s", ctl.name, c.id)
	case full:
		return nil, fail(CodeQueueFull, string(cmd.Kind), nil, "%d commands waiting on call %s", maxQueued, c.id)
	}
	ctl.Touch()
	o := &Op{id: c.opSeq.Add(1), cmd: cmd, ctl: ctl, done: make(chan struct{})}
	if !c.send(msg{kind: msgSubmit, op: o}) {
		c.mu.Lock()
		ctl.busy--
		c.queued--
		c.mu.Unlock()
		return nil, fail(CodeEnded, string(cmd.Kind), errEnded, "call %s", c.id)
	}
	return o, nil
}

// Do submits cmd and waits for its result. When ctx ends first the command
// is stopped and ctx's error returned with its result.
func (ctl *Control) Do(ctx context.Context, cmd Command) (Result, error) {
	o, err := ctl.Submit(cmd)
	if err != nil {
		return Result{Kind: cmd.Kind, Status: StatusFailed, Reason: err.Error()}, err
	}
	return ctl.Wait(ctx, o)
}

// Wait waits for o's result; when ctx ends first o is stopped.
func (ctl *Control) Wait(ctx context.Context, o *Op) (Result, error) {
	select {
	case <-o.done:
		return o.res, nil
	case <-ctx.Done():
		ctl.Cancel(o)
		select {
		case <-o.done:
		case <-ctl.c.exited:
		}
		return o.Result(), ctx.Err()
	}
}

// Cancel stops o, running or queued (StatusStopped).
func (ctl *Control) Cancel(o *Op) { ctl.c.send(msg{kind: msgCancel, op: o}) }

// Stop stops the control's running command and drops its queued ones
// (each ends with StatusStopped). It does not wait.
func (ctl *Control) Stop() { ctl.c.send(msg{kind: msgStop, ctl: ctl}) }
