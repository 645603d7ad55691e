package pbx

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// Prefix is the path the API is mounted at; Handler serves the full paths
// below it (Prefix + "login"...).
const Prefix = "/api/v1.1.0/"

// Call is a snapshot of one live call as this API sees it. The box fills it
// from its call manager's call.Info.
type Call struct {
	// ID is the box's call id ("1552976047.56"): the "callid" of requests,
	// responses and events.
	ID string
	// Leg is the id of the call's trunk or phone leg ("1552976047.58"): the
	// "outboundid" or "inboundid". "" means the same as ID.
	Leg string
	// Dir is "inbound" or "outbound".
	Dir string
	// From and To are the calling and called numbers. For a call an IVR
	// placed, From is the IVR's number and To the number dialled.
	From, To string
	// Trunk is the trunk's name, "" for a local caller.
	Trunk string
	// IVR is the number of the IVR the call is in, "" when in none.
	IVR string
	// State is "dialing", "ringing" or "answered".
	State string
	// FromExt is the account whose permission placed the call (API calls).
	FromExt string
	// Started is when the call began; Answered when it was answered (zero
	// while it is not).
	Started, Answered time.Time
}

// Calls is the call-control surface this API drives: the box's call manager
// behind a small adapter.
//
// Its errors must wrap the sentinel errors of this package (ErrUnknownCall,
// ErrUnknownIVR, ErrUnknownAccount, ErrNoRoute, ErrNotAllowed, ErrBusy,
// ErrNoTrunk, ErrNotUp) so that errors.Is finds them: the adapter maps the
// call manager's and the router's errors onto them. The router's own
// route.ErrUnknownAccount, route.ErrNoRoute and route.ErrNotAllowed are
// recognised too. Any other error is answered as an internal failure
// (ErrnoInternal).
type Calls interface {
	// DialIVR places an outbound call to number through the first outbound
	// route that account fromExt may use; on answer the call runs IVR ivr.
	// It returns at once with the new call (dialling goes on in the
	// background).
	DialIVR(ctx context.Context, ivr, number, fromExt string) (Call, error)
	// Transfer moves call id (a call id or a leg id) to number: an IVR, a
	// local account or an external number (through a route fromExt may use;
	// "" means the call's own fromext, or any route). It returns once the
	// transfer is accepted.
	Transfer(ctx context.Context, id, number, fromExt string) error
	// Hangup ends call id (a call id or a leg id).
	Hangup(ctx context.Context, id string) error
	// Calls lists the live calls.
	Calls() []Call
	// Lookup finds a live call by call id or leg id.
	Lookup(id string) (Call, bool)
}

// The errors a Calls implementation wraps; each has its own errno.
var (
	// ErrUnknownCall: no live call has that call or leg id.
	ErrUnknownCall = errors.New("pbx: unknown call")
	// ErrUnknownIVR: no IVR has that number.
	ErrUnknownIVR = errors.New("pbx: unknown IVR")
	// ErrUnknownAccount: fromext is not a configured account.
	ErrUnknownAccount = errors.New("pbx: unknown account")
	// ErrNoRoute: no outbound route matches the number.
	ErrNoRoute = errors.New("pbx: no outbound route matches")
	// ErrNotAllowed: routes match, but fromext may use none of them.
	ErrNotAllowed = errors.New("pbx: outbound route not allowed")
	// ErrBusy: the box is at its call limit.
	ErrBusy = errors.New("pbx: call limit reached")
	// ErrNoTrunk: the route's trunks are all unusable.
	ErrNoTrunk = errors.New("pbx: no usable trunk")
	// ErrNotUp: the call is not answered yet, or already ending.
	ErrNotUp = errors.New("pbx: call not up")
)

// Enqueuer stores an event for delivery (an *outbox.Outbox). Enqueue must
// not wait for the network.
type Enqueuer interface {
	Enqueue(callID string, body []byte) error
}

// Options wire an API. Calls, Config and Outbox are needed for it to do
// anything useful; nil ones make the requests that need them fail with
// ErrnoInternal and Hook drop events.
type Options struct {
	// Calls places, moves, ends and lists calls.
	Calls Calls
	// Config returns the current config: API user and password, IVRs,
	// accounts and routes (for checks), and System.SN for events. It must be
	// fast and safe for concurrent use.
	Config func() config.Config
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
	config func() config.Config
	outbox Enqueuer
	log    *slog.Logger
	now    func() time.Time

	auth *authState // tokens and login throttling; own lock

	mu     sync.Mutex // guards meta and closed; held across Enqueue to keep order
	meta   map[string]*callMeta
	seq    uint64 // age stamp for meta eviction
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
		meta:   map[string]*callMeta{},
	}
	if a.config == nil {
		a.config = func() config.Config { return config.Config{} }
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
	clear(a.meta)
	a.mu.Unlock()
	a.auth.reset()
}

func (a *API) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}
