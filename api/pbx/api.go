package pbx

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// Prefix is the path of the API's endpoints; Handler serves the full paths
// below it (Prefix + "login"...).
const Prefix = "/api/v1.1.0/"

// Root is the path the box mounts Handler at: every path under /api/ that no
// other API claims (the admin API's /api/admin/ is more specific) answers in
// this API's JSON shape, so another version (/api/v1.0.0/..., /api/V1.1.0/...,
// /api/v2/...) or an unknown path is {"status":"Failed","errno":"10003"}.
const Root = "/api/"

// Calls is the call-control surface this API drives: the box's call
// manager (*call.Manager). Its errors carry a call.Code, which errnoOf maps
// to this API's errno; the API repeats none of the manager's checks.
type Calls interface {
	// DialIVR places an outbound call to number through the first outbound
	// route that account fromExt may use; the call runs IVR ivr. It returns
	// at once with the new call (dialling goes on in the background).
	DialIVR(ctx context.Context, ivr, number, fromExt string) (call.Info, error)
	// Transfer moves call id (a call id or a leg id) to number: an IVR, a
	// local account or an external number (through a route fromExt may use;
	// "" means the call's own fromext, or any route). It returns once the
	// transfer is accepted.
	Transfer(ctx context.Context, id, number, fromExt string) error
	// Hangup ends call id (a call id or a leg id) with cause ("": api).
	Hangup(ctx context.Context, id, cause string) error
	// Calls lists the live calls.
	Calls() []call.Info
	// Lookup finds a live call by call id or leg id.
	Lookup(id string) (call.Info, bool)
}

var _ Calls = (*call.Manager)(nil)

// Enqueuer stores an event for delivery (an *outbox.Outbox). Enqueue must
// not wait for the network. Enabled reports whether events are delivered
// at all (an address is set): when not, none is built.
type Enqueuer interface {
	Enqueue(callID string, body []byte) error
	Enabled() bool
}

// Options wire an API. Calls, Config and Outbox are needed for it to do
// anything useful; nil ones make the requests that need them fail with
// ErrnoInternal and Hook drop events.
type Options struct {
	// Calls places, moves, ends and lists calls.
	Calls Calls
	// Config returns the current config, read-only (a shared snapshot): the
	// API user and password, IVRs and accounts (to say who a transfer went
	// to), and System.SN for events. It must be fast and safe for concurrent
	// use.
	Config func() *config.Config
	// Outbox receives the translated events.
	Outbox Enqueuer
	// Log receives logins, blocks and enqueue failures. nil discards.
	Log *slog.Logger
	// Now is the clock for tokens and login blocks. nil means time.Now.
	Now func() time.Time
}

// API is the PBX API: HTTP endpoints (Handler) and event translation (Hook).
// Create it with New.
type API struct {
	calls  Calls
	config func() *config.Config
	outbox Enqueuer
	log    *slog.Logger
	now    func() time.Time

	auth *authState // tokens and login throttling; own lock

	mu     sync.Mutex // guards closed; held across Enqueue to keep the order of reports
	closed bool
}

// New returns an API wired by opt.
func New(opt Options) *API {
	a := &API{
		calls:  opt.Calls,
		config: opt.Config,
		outbox: opt.Outbox,
		log:    opt.Log,
		now:    opt.Now,
	}
	if a.config == nil {
		a.config = func() *config.Config { return &config.Config{} }
	}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.auth = newAuthState(a.now, a.log)
	return a
}

// Close stops the API: later requests fail with ErrnoInternal, later events
// are dropped, and every token is forgotten. It waits for a Hook in progress.
// It is idempotent.
func (a *API) Close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.auth.reset()
}

func (a *API) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}
