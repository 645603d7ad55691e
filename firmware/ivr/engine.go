package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// Call is what the engine needs from a live call.
type Call interface {
	// ID is the call's id, as reported in events and used by Goto.
	ID() string
	// Var returns a call variable: EXTEN, CALLERID, CALLEE, CALLID ...
	Var(name string) string
	// Answer answers the call (200 OK).
	Answer(ctx context.Context) error
	// Ring sends 180 Ringing and then waits d, before answering; it returns
	// early with an error if the call ends.
	Ring(ctx context.Context, d time.Duration) error
	// Play plays prompts in order (the call expands ${VAR} in names and skips
	// missing prompts with a log line). With bargeIn, a key already queued or
	// pressed during playback stops it and is returned (consumed). Without
	// bargeIn, keys pressed meanwhile are discarded. key is "" when the
	// prompts ended. err is not nil when the call ended or ctx was cancelled.
	Play(ctx context.Context, prompts []string, bargeIn bool) (key string, err error)
	// ReadKey waits up to d for a key; it returns "" on timeout.
	ReadKey(ctx context.Context, d time.Duration) (key string, err error)
	// Hangup ends the call with cause ("normal", "no-route", "no-ivr", ...).
	Hangup(ctx context.Context, cause string) error
	// Done is closed when the call has ended.
	Done() <-chan struct{}
}

// Transferer is optionally implemented by calls that can be transferred to
// numbers outside the box. Transfer returns nil once the call has left the
// box; the engine then stops driving it.
type Transferer interface {
	Transfer(ctx context.Context, number string) error
}

// Offerer is optionally implemented by calls that can be handed to outside
// controllers (API-control steps). Offer offers the call under step's key
// and params, playing hold while no controller has it, and returns how the
// step ended ("released", "timeout", "lost", "moved", "hangup") once the
// call is back with the engine. A call without it plays hold music until an
// API moves it.
type Offerer interface {
	Offer(ctx context.Context, step config.APIStep, hold []string) (outcome string, err error)
}

// StepRecorder is optionally implemented by calls that can record the
// caller (record steps). RecordStep records as step says and returns the
// file (relative to the recordings folder) and why the recording ended. A
// call without it skips the step.
type StepRecorder interface {
	RecordStep(ctx context.Context, step config.RecordStep) (file, reason string, err error)
}

// CallRecorder is optionally implemented by calls that can record
// themselves whole (an IVR's Record setting). RecordCall starts recording
// in format unless the call is already recorded.
type CallRecorder interface {
	RecordCall(format string) error
}

// Clock is the engine's time source, for the loop guard and for pacing hold
// music whose prompts are all missing. Tests inject a fake one.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

// Errors returned by the engine, wrapped with the call id or number.
var (
	// ErrUnknownCall: no call with that id is running in the engine.
	ErrUnknownCall = errors.New("no such call in the IVR engine")
	// ErrUnknownIVR: no IVR answers on that number in the current config.
	ErrUnknownIVR = errors.New("no such IVR")
	// ErrDuplicateCall: Run was given a call whose id is already running.
	ErrDuplicateCall = errors.New("call already running in the IVR engine")
)

// Hang-up causes the engine passes to Call.Hangup.
const (
	CauseNormal  = "normal"   // the IVR flow ended (hang-up action, timeout, invalid-key limit)
	CauseNoRoute = "no-route" // a transfer target the box cannot reach
	CauseNoIVR   = "no-ivr"   // an IVR number that is not (or no longer) configured
	CauseLoop    = "loop"     // the loop guard tripped (IVRs sending each other round without keys)
	CauseError   = "error"    // a panic or a failing call method
)

// Options configures an Engine. Zero values are usable.
type Options struct {
	// Config returns the live configuration, read-only (a shared snapshot).
	// Every IVR entry reads it anew, so edits apply to running calls from
	// their next IVR entry. nil: no IVRs.
	Config func() *config.Config
	// Bus receives IVREntered, IVRLeft, PromptFinished and DTMFString
	// events. nil: nothing is published.
	Bus *event.Bus
	// Log gets one line per step, tagged with the call id and IVR.
	// nil: slog.New(slog.DiscardHandler).
	Log *slog.Logger
	// Clock is the time source. nil: the system clock.
	Clock Clock
}

// Engine runs calls through IVRs. It is safe for concurrent use: each call
// runs in the goroutine that called Run.
type Engine struct {
	cfg   func() *config.Config
	bus   *event.Bus
	log   *slog.Logger
	clock Clock

	mu    sync.Mutex          // guards calls
	calls map[string]*session // running calls by id
}

// New returns an engine.
func New(opts Options) *Engine {
	e := &Engine{cfg: opts.Config, bus: opts.Bus, log: opts.Log, clock: opts.Clock,
		calls: map[string]*session{}}
	if e.cfg == nil {
		e.cfg = func() *config.Config { return &config.Config{} }
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.clock == nil {
		e.clock = systemClock{}
	}
	return e
}

// Has reports whether an IVR answers on number in the current config.
func (e *Engine) Has(number string) bool {
	_, ok := e.lookup(number)
	return ok
}

// lookup returns the IVR on number from the current config.
func (e *Engine) lookup(number string) (config.IVR, bool) {
	if number == "" {
		return config.IVR{}, false
	}
	cfg := e.cfg()
	return cfg.IVR(number)
}

// Run rings (IVR.RingSeconds) and answers c, then runs it through IVRs,
// starting at number, until the call is over: hung up by either side or
// transferred out of the box. It returns nil then; ctx.Err() when ctx ended
// first (the call is hung up); an error when number is no IVR
// (ErrUnknownIVR; the call is rejected with cause "no-ivr"), when the id is
// already running (ErrDuplicateCall; c is left alone), when a call method
// failed while the call was up, or when the run panicked (the panic is logged
// and the call hung up with cause "error"). An IVR entered is always left
// (IVRLeft).
func (e *Engine) Run(ctx context.Context, c Call, number string) (err error) {
	s := &session{e: e, c: c, log: e.log}
	defer s.recoverPanic(ctx, &err)
	s.id = c.ID()
	s.log = e.log.With("call", s.id)
	if err := e.register(s); err != nil {
		return err
	}
	defer e.unregister(s)
	defer s.leave()
	return s.run(ctx, number)
}

// Goto moves the live call callID to the IVR number now, interrupting
// whatever it is doing (prompt, wait, hold music, API control, transfer in
// progress). The call enters number from its start; IVRLeft is published for
// the IVR it leaves. A call still ringing enters number once answered.
func (e *Engine) Goto(callID, number string) error {
	e.mu.Lock()
	s := e.calls[callID]
	e.mu.Unlock()
	if s == nil {
		return fmt.Errorf("ivr: goto %q: call %q: %w", number, callID, ErrUnknownCall)
	}
	if !e.Has(number) {
		return fmt.Errorf("ivr: goto %q: call %q: %w", number, callID, ErrUnknownIVR)
	}
	s.requestGoto(config.Action{Type: config.ActIVR, Target: number})
	return nil
}

// Transfer moves the live call callID to number now, interrupting whatever
// it is doing, as the IVR action "transfer to number" does: an IVR number
// enters that IVR; another number goes out of the box through the call's
// Transferer (the caller checks that the number may be dialled). It returns
// once the request is recorded, not when the transfer is done.
func (e *Engine) Transfer(callID, number string) error {
	e.mu.Lock()
	s := e.calls[callID]
	e.mu.Unlock()
	if s == nil {
		return fmt.Errorf("ivr: transfer to %q: call %q: %w", number, callID, ErrUnknownCall)
	}
	s.requestGoto(config.Action{Type: config.ActTransfer, Target: number})
	return nil
}

// Calls returns the ids of the calls running in the engine, sorted.
func (e *Engine) Calls() []string {
	e.mu.Lock()
	ids := make([]string, 0, len(e.calls))
	for id := range e.calls {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	slices.Sort(ids)
	return ids
}

func (e *Engine) register(s *session) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.calls[s.id]; dup {
		return fmt.Errorf("ivr: call %q: %w", s.id, ErrDuplicateCall)
	}
	e.calls[s.id] = s
	return nil
}

func (e *Engine) unregister(s *session) {
	e.mu.Lock()
	if e.calls[s.id] == s {
		delete(e.calls, s.id)
	}
	e.mu.Unlock()
}

func (e *Engine) publish(ev event.Event) {
	if e.bus != nil {
		e.bus.Publish(ev)
	}
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
