package xmlivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// Call is what a session needs of the call it runs: *call.Control
// implements it.
type Call interface {
	// ID is the call's id (the notices' callSid).
	ID() string
	// Var returns a call variable (CALLERID, CALLEE ...).
	Var(name string) string
	// Do runs a command (play, collect, join) and waits for its result.
	Do(ctx context.Context, cmd call.Command) (call.Result, error)
	// Hangup ends the call with cause.
	Hangup(ctx context.Context, cause string) error
	// Done is closed when the call has ended.
	Done() <-chan struct{}
}

// Rooms is what the engine needs of the conference rooms.
type Rooms interface {
	// Create makes a room for at most maxMembers members, owned by the call
	// owner, and returns its id.
	Create(maxMembers int, owner string) (id string, err error)
	// Room returns the room id, if it exists.
	Room(id string) (call.Room, bool)
	// Record starts recording room id until it ends (CreateConf
	// autorecord) and returns the file.
	Record(id string) (file string, err error)
}

// EventFallback is published on the bus when a call's application failed
// and the fallback ran (Cause: the error, IVR: the IVR's number).
const EventFallback event.Kind = "xml.fallback"

// EventStarted is published on the bus when a call's application session
// starts, before its startservice notice (CallID, IVR: the XML IVR). The
// crash journal notes it, so the application gets its stopservice after a
// crash (see Restarted).
const EventStarted event.Kind = "xml.started"

// Defaults of Options.
const (
	DefaultIdleHangup = 2 * time.Minute
	DefaultRetries    = 3
	DefaultRetryWait  = time.Second
	// maxHops is how many requests in a row may answer with nothing but
	// Redirects (nothing played, collected or joined) before the fallback
	// runs.
	maxHops = 20
	// hangupTimeout bounds the hang-up sent when the run's context ended.
	hangupTimeout = 5 * time.Second
)

// Options configures an Engine. Zero values are usable.
type Options struct {
	// HTTP sends the notices. nil: NewClient().
	HTTP *http.Client
	// Rooms holds the conference rooms. nil: CreateConf and JoinConf fail
	// (the verbs after them run).
	Rooms Rooms
	// Bus receives EventFallback. nil: nothing is published.
	Bus *event.Bus
	// Log gets a line per verb and per failed request. nil: discarded.
	Log *slog.Logger
	// Now is the clock of the notices' timestamps. nil: time.Now.
	Now func() time.Time
	// IdleHangup is how long a call out of any room waits in silence
	// after CmdNone before the box hangs up. 0: DefaultIdleHangup.
	IdleHangup time.Duration
	// Retries is how many times the notices nobody waits for (stopservice,
	// delconf) are tried. 0: DefaultRetries.
	Retries int
	// RetryWait is the wait before the first retry, doubled for each next
	// one. 0: DefaultRetryWait.
	RetryWait time.Duration
}

// Spec says which application runs a call.
type Spec struct {
	IVR       string        // the IVR's number (the notices' ivr)
	App       config.XMLApp // the application
	Direction string        // event.Inbound or event.Outbound ("": inbound)
}

// Engine runs XML IVR sessions. It is safe for concurrent use: each
// session runs on the goroutine that called Run.
type Engine struct {
	http  *http.Client
	rooms Rooms
	bus   *event.Bus
	log   *slog.Logger
	now   func() time.Time
	idle  time.Duration
	tries int
	wait  time.Duration

	ctx    context.Context // background notices; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // background notices

	mu    sync.Mutex
	dels  map[string]pending // guarded by mu: delconf notices by room id
	close bool               // guarded by mu
}

// pending is a notice to send later.
type pending struct {
	url    string
	notice Notice
	app    config.XMLApp
}

// New returns an engine.
func New(opts Options) *Engine {
	e := &Engine{http: opts.HTTP, rooms: opts.Rooms, bus: opts.Bus, log: opts.Log, now: opts.Now,
		idle: opts.IdleHangup, tries: opts.Retries, wait: opts.RetryWait, dels: map[string]pending{}}
	if e.http == nil {
		e.http = NewClient()
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.idle <= 0 {
		e.idle = DefaultIdleHangup
	}
	if e.tries <= 0 {
		e.tries = DefaultRetries
	}
	if e.wait <= 0 {
		e.wait = DefaultRetryWait
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e
}

// Close stops the retries of the background notices and waits for the
// attempts in flight (each bounded by its application's timeout). It is
// idempotent; Run must not be called after it.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.close = true
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
	return nil
}

// Run runs c through the application of spec until the session ends: the
// call hung up (by either side; nil), the application's verbs ran out or
// failed (the call is hung up; nil), or ctx ended (ctx's error; the call
// is left as it is, for the IVR engine to move it on). A panic is logged,
// the call hung up and an error returned. The stopservice notice is sent
// in the background in every case.
func (e *Engine) Run(ctx context.Context, c Call, spec Spec) (err error) {
	s := newSession(e, c, spec)
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in XML session: hanging up", "panic", r, "stack", string(debug.Stack()))
			s.bye = ByeError
			s.hangup(ctx, "error")
			err = fmt.Errorf("xmlivr: call %q: panic: %v", c.ID(), r)
		}
		s.stop(ctx)
	}()
	return s.run(ctx)
}

// RoomEnded tells the engine that room id was deleted (reason: why): the
// delconf notice goes to the delreporturl of the CreateConf that made it,
// if it gave one.
func (e *Engine) RoomEnded(id, reason string) {
	e.mu.Lock()
	p, ok := e.dels[id]
	delete(e.dels, id)
	e.mu.Unlock()
	if ok {
		p.notice.Reason = reason
		e.background(p)
	}
}

// watchRoom records the delconf notice of a room made by a CreateConf.
func (e *Engine) watchRoom(id string, p pending) {
	e.mu.Lock()
	e.dels[id] = p
	e.mu.Unlock()
}

// background sends p's notice on its own goroutine, retried with doubling
// waits; the answer is not run. It does nothing once Close ran.
func (e *Engine) background(p pending) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.close {
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.deliver(p)
	}()
}

// deliver tries p's notice up to e.tries times.
func (e *Engine) deliver(p pending) {
	log := e.log.With("call", p.notice.CallSid, "action", p.notice.Action)
	wait := e.wait
	for try := 1; ; try++ {
		p.notice.Timestamp = stamp(e.now())
		body, err := p.notice.Marshal()
		if err != nil {
			log.Error("notice not encoded", "err", err)
			return
		}
		_, err = e.post(context.Background(), p.url, body, p.app.Secret, p.notice.CallSid, p.app.Timeout())
		if err == nil || !transient(err) {
			return // delivered (its answer does not matter) or never deliverable
		}
		if try >= e.tries || e.ctx.Err() != nil {
			log.Warn("notice not delivered", "url", p.url, "tries", try, "err", err)
			return
		}
		log.Info("notice failed: retrying", "url", p.url, "try", try, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-e.ctx.Done():
			t.Stop()
			return
		}
		wait *= 2
	}
}

// transient reports whether a failed request may succeed when tried again:
// no answer, or an HTTP error.
func transient(err error) bool {
	return errors.Is(err, ErrTimeout) || errors.Is(err, ErrRequest) || errors.Is(err, ErrStatus)
}

func (e *Engine) publish(ev event.Event) {
	if e.bus != nil {
		e.bus.Publish(ev)
	}
}
