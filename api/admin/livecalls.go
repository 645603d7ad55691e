package admin

import (
	"context"
	"os"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// LiveCall is one live call as the admin API sees and steers it (a
// *call.Call): its snapshot, its media forks and recordings, and the
// API-control step offering it.
type LiveCall interface {
	Info() call.Info
	Forks() []call.ForkInfo
	Recordings() []call.RecordingInfo
	Offered() (spec call.OfferSpec, accepted bool, ok bool)
	StartFork(ctx context.Context, in, out, tag string) (call.ForkInfo, error)
	StopFork(id string) error
	StartRecording(format string) (string, error)
	StopRecording(id string) error
}

// Controller is an outside controller's hold on a call (a *call.Control),
// got by Calls.Accept.
type Controller interface {
	// Submit queues cmd on the call; the Op ends with its result.
	Submit(cmd call.Command) (Op, error)
	// Touch renews the lease (call.AcceptOptions.TTL).
	Touch()
	// Stop ends the running command and drops the queued ones.
	Stop()
	// Release gives the call back to its IVR.
	Release()
	// Done is closed when the control has ended; Reason says why.
	Done() <-chan struct{}
	Reason() string
}

// Op is a command submitted through a Controller (a *call.Op).
type Op interface {
	ID() uint64
	Done() <-chan struct{}
	Result() call.Result // valid once Done is closed
	Cancel()             // stops the command, running or queued
}

// Recordings are the files of the call recordings (a *record.Recorder):
// paths are relative to the recordings folder, slash-separated.
type Recordings interface {
	Open(rel string) (*os.File, error)
	Delete(rel string) error
	Usage() int64 // bytes in use
	Active() int  // recordings in progress
}

var _ LiveCall = (*call.Call)(nil)

// LiveCalls adapts a call manager to Calls.
func LiveCalls(m *call.Manager) Calls { return liveCalls{m} }

type liveCalls struct{ m *call.Manager }

func (l liveCalls) Calls() []call.Info { return l.m.Calls() }

func (l liveCalls) Hangup(ctx context.Context, id, cause string) error {
	c := l.m.Call(id)
	if c == nil {
		return ErrNoCall
	}
	return c.Hangup(ctx, cause)
}

func (l liveCalls) Call(id string) LiveCall {
	if c := l.m.Call(id); c != nil {
		return c
	}
	return nil
}

func (l liveCalls) Accept(id, key string, opt call.AcceptOptions, over bool) (Controller, error) {
	accept := l.m.Accept
	if over {
		accept = l.m.Reaccept
	}
	ctl, err := accept(id, key, opt)
	if err != nil {
		return nil, err
	}
	return control{ctl}, nil
}

// control adapts a *call.Control to Controller.
type control struct{ *call.Control }

func (c control) Submit(cmd call.Command) (Op, error) {
	o, err := c.Control.Submit(cmd)
	if err != nil {
		return nil, err
	}
	return op{o, c.Control}, nil
}

// op adapts a *call.Op to Op.
type op struct {
	*call.Op
	ctl *call.Control
}

func (o op) Cancel() { o.ctl.Cancel(o.Op) }
