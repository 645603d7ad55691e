package admin

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/api/admin/auth"
	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/cdr"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// Prefix is the path the API is mounted at.
const Prefix = "/api/admin/"

// Store is the config store (a *store.Store).
type Store interface {
	Config() config.Config
	Update(fn func(*config.Config) error) error
	Replace(c config.Config) error
	ResetToDefaults() error
	DB() *bbolt.DB // for the admin credentials' bucket
}

// Calls are the live calls (LiveCalls adapts a *call.Manager).
type Calls interface {
	Calls() []call.Info
	// Hangup ends the live call id with cause; an error wrapping ErrNoCall
	// when there is no such call.
	Hangup(ctx context.Context, id, cause string) error
	// Call returns the live call id (a call id or a leg id), or nil.
	Call(id string) LiveCall
	// Accept takes the live call id from the API-control step that offers
	// it under key (call.Manager.Accept; with over, Reaccept: taken over
	// from the controller that has it). Errors carry a call.Code.
	Accept(id, key string, opt call.AcceptOptions, over bool) (Controller, error)
}

// ErrNoCall means a call id names no live call.
var ErrNoCall = errors.New("no such call")

// Bus is the event bus (an *event.Bus).
type Bus interface {
	Subscribe(buf int) *event.Subscription
	Hook(f func(event.Event))
}

// Prompts is the prompt cache (a *prompt.Cache).
type Prompts interface {
	Get(ctx context.Context, name string) (*prompt.Audio, error)
	Expire()
}

// Records are the call records (a *cdr.Store).
type Records interface {
	List(limit int, before time.Time) ([]cdr.Record, error)
	Find(q cdr.Query) ([]cdr.Record, error)
	Count(since time.Time) (calls, refused int, err error)
	Clear() error
}

// HAL is the board's LEDs and buttons.
type HAL interface {
	LEDs() []LED
	Buttons() []string
	// Press presses the button name for d (a simulated press on the sim
	// board; on hardware, what the firmware would do on such a press).
	Press(name string, d time.Duration) error
}

// LED is the state of one LED.
type LED struct {
	Name    string `json:"name"`    // "ready", "call", ...
	On      bool   `json:"on"`      // lit now
	Pattern string `json:"pattern"` // "", "blink", "heartbeat"...
}

// Options wires an API. Store, Calls, Bus, Prompts, PromptDir and Records
// are required.
type Options struct {
	Store     Store   // the config store; its DB also holds the admin credentials
	Calls     Calls   // the live calls
	Bus       Bus     // the event bus (event stream, recent events)
	Prompts   Prompts // the prompt cache the calls play from
	PromptDir string  // the local prompt folder (<data>/prompts)
	CacheDir  string  // local copies of network-disk and HTTP prompts (<data>/cache); "" none
	Records   Records // the call records
	HAL       HAL     // nil: the box has no LEDs or buttons to show
	Disks     Disks   // nil: the disk endpoints answer 501
	Secrets   Secrets // disk, trunk and account passwords; nil: those endpoints answer 501
	Restart   func()  // asks the box to restart in-process; nil: POST restart answers 501
	Drain     Drainer // takes the box out of service and back; nil: the drain endpoints answer 501
	Board     string  // board profile name, for status
	SIPAddr   string  // SIP listen address, for status
	// Started is when the process started, for status' uptime (zero: when
	// New ran). Pass the same time to every API built across restarts.
	Started time.Time
	Log     *slog.Logger     // nil: discard
	Now     func() time.Time // nil: time.Now

	// TrunkState returns a trunk's state ("registered", "registering",
	// "failed", "peer") and what more there is to say (why it failed);
	// nil: every trunk shows TrunkUnused.
	TrunkState func(name string) (status, detail string)
	// Delivery returns the event outbox's counters for GET api-access;
	// nil: not shown.
	Delivery func() DeliveryStats
	// Recordings are the call recordings' files (a *record.Recorder); nil:
	// the recordings endpoints answer 501.
	Recordings Recordings
	// Cloud is the cloud IVR API's event subscriptions; nil: the
	// subscription endpoints answer 503 (the token and namespace endpoints
	// work on the config alone).
	Cloud Cloud
	// Conferences are the live conference rooms; nil: the conference
	// endpoints answer 501.
	Conferences Conferences
	// Certs is the box's TLS server certificate; nil: the cert endpoints
	// answer 501.
	Certs Certs
	// HTTPSPort is the port HTTPS listens on; when set, the first-run
	// setup (POST setup) is refused over plain HTTP. "": HTTPS is off.
	HTTPSPort string
	// Guard is the SIP abuse guard; nil: the blocks endpoints answer 501.
	Guard Guard

	// Traces are the recent calls' SIP and RTP traces; nil: the trace
	// endpoints answer 501.
	Traces Traces
	// Registrations are the local accounts' phones registered now; nil:
	// GET registrations answers 501.
	Registrations func() []Registration
	// LogLines are the box's recent log lines; nil: GET logs answers 501.
	LogLines LogLines
	// Storage is the data folder's free and total bytes; nil: not shown.
	Storage func() (free, total uint64, err error)
	// Metrics writes the Prometheus metrics for GET /metrics
	// (MetricsHandler); nil: it answers 501.
	Metrics func(w io.Writer)

	authParams auth.Params // tests: cheaper argon2id
}

// API serves the admin API. Build it with New; serve Handler; Close it.
type API struct {
	opt      Options
	log      *slog.Logger
	auth     *auth.Store
	throttle *auth.Throttle
	ring     *ring
	handler  http.Handler
	load     loadSampler
	promptMu sync.Mutex // serialises changes to the prompt folder

	leaseMu sync.Mutex        // guards leases and leasing
	leases  map[string]*lease // the HTTP controllers' holds on calls, by lease id
	leasing int               // leases being accepted

	mu      sync.Mutex // guards closed, nstreams and streams.Add
	closed  bool
	nstream int           // open event streams
	closing chan struct{} // closed by Close: SSE streams end
	streams sync.WaitGroup
}

// New builds the API. It starts no goroutine: event streams and waits for
// command results run in their requests' goroutines and end with the
// request or Close.
func New(opt Options) *API {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Started.IsZero() {
		opt.Started = opt.Now()
	}
	a := &API{
		opt:      opt,
		log:      opt.Log,
		auth:     auth.New(opt.Store.DB(), auth.Options{Now: opt.Now, Params: opt.authParams}),
		throttle: auth.NewThrottle(opt.Now),
		ring:     newRing(ringSize),
		closing:  make(chan struct{}),
		leases:   map[string]*lease{},
	}
	a.load.start(opt.Now())
	opt.Bus.Hook(a.ring.add)
	a.handler = a.buildHandler()
	return a
}

// Handler serves the API; mount it at Prefix ("/api/admin/"). Its patterns
// hold the full paths, so mount it without stripping the prefix.
func (a *API) Handler() http.Handler { return a.handler }

// Close ends every event stream and waits for their handlers to return,
// and gives the calls that HTTP controllers hold back to their IVRs. Other
// requests are not interrupted (the HTTP server's Shutdown waits for
// them). It is idempotent.
func (a *API) Close() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.closing)
	}
	a.mu.Unlock()
	a.streams.Wait()
	a.releaseLeases()
}

// maxStreams bounds the open event streams.
const maxStreams = 32

// startStream registers an event stream: 503 once Close has begun or when
// maxStreams are open. endStream unregisters it.
func (a *API) startStream() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return httpErr(http.StatusServiceUnavailable, "the box is restarting")
	case a.nstream >= maxStreams:
		return httpErr(http.StatusServiceUnavailable, "too many event streams open (%d): close one", maxStreams)
	}
	a.nstream++
	a.streams.Add(1)
	return nil
}

func (a *API) endStream() {
	a.mu.Lock()
	a.nstream--
	a.mu.Unlock()
	a.streams.Done()
}
