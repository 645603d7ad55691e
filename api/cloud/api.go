package cloud

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/api/internal/authlimit"
	"github.com/ivrbox/ivrbox/api/internal/lograte"
	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/outbox"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// Prefix is the second mount point of the API: its paths work at the root
// (as in the seed) and under Prefix, for a base URL with a path.
const Prefix = "/cloud"

// MaxBody bounds a request body.
const MaxBody = 64 << 10

// Calls is the call-control surface the API steers calls through (a
// *call.Manager).
type Calls interface {
	// Lookup returns the snapshot of the live call id.
	Lookup(id string) (call.Info, bool)
	// Call returns the live call id, or nil.
	Call(id string) *call.Call
	// Reaccept takes the call offered under key (see call.Manager).
	Reaccept(id, key string, opt call.AcceptOptions) (*call.Control, error)
}

// Prompts loads media before a play is accepted (a *prompt.Cache).
type Prompts interface {
	Get(ctx context.Context, name string) (*prompt.Audio, error)
}

// Options configure New.
type Options struct {
	// Calls are the live calls.
	Calls Calls
	// Config returns the current config (store.Current); it must be fast.
	Config func() *config.Config
	// DB is the box's database: subscriptions, their outboxes, serials.
	DB *bbolt.DB
	// Prompts checks media before it is queued.
	Prompts Prompts
	// Client delivers events; nil means a client with a 5 s timeout.
	Client *http.Client
	// Log receives the API's diagnostics; nil discards them.
	Log *slog.Logger
	// Now is the clock of eventTime (local time) and the throttle; nil
	// means time.Now.
	Now func() time.Time
	// MediaTimeout bounds the loading of a request's media; 0 means 10 s.
	MediaTimeout time.Duration

	// tuneOutbox, if set, adjusts each subscription's outbox (tests).
	tuneOutbox func(*outbox.Options)
}

// API is the cloud IVR API: its HTTP handler, its event hook and its
// subscriptions.
type API struct {
	calls    Calls
	config   func() *config.Config
	prompts  Prompts
	log      *slog.Logger
	authLog  *slog.Logger
	now      func() time.Time
	mediaTO  time.Duration
	throttle *authlimit.Throttle
	serials  *serials
	subs     *subs

	emitMu sync.Mutex // serial order = queue order

	mu       sync.Mutex
	sessions map[string]*session // by call id

	closeOnce sync.Once
	closeMu   sync.Mutex
	closed    bool
}

// New opens the API's stored state (serials, subscriptions).
func New(opts Options) (*API, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: outbox.DefaultTimeout}
	}
	if opts.MediaTimeout <= 0 {
		opts.MediaTimeout = 10 * time.Second
	}
	a := &API{calls: opts.Calls, config: opts.Config, prompts: opts.Prompts, log: opts.Log,
		authLog: lograte.New(opts.Log, time.Second), now: func() time.Time { return opts.Now().Local() },
		mediaTO: opts.MediaTimeout, throttle: authlimit.New(opts.Now),
		sessions: map[string]*session{}}
	var err error
	if a.serials, err = newSerials(opts.DB, opts.Log); err != nil {
		return nil, err
	}
	if a.subs, err = newSubs(opts.DB, opts.Client, opts.tuneOutbox, opts.Log); err != nil {
		a.serials.Close()
		return nil, err
	}
	return a, nil
}

// Run delivers events to the subscribers until ctx ends.
func (a *API) Run(ctx context.Context) { a.subs.run(ctx) }

// Listening reports whether a subscription would hear of a call entering
// a cloud IVR (topic ivr, the box's namespace).
func (a *API) Listening() bool { return a.subs.wants(TopicIVR, a.config().Cloud.NS()) }

// Subscriptions lists the subscriptions (without their secrets).
func (a *API) Subscriptions() []Subscription { return a.subs.list() }

// Subscribe adds a subscription. Errors are *Error (a bad URL or topic).
func (a *API) Subscribe(s Subscription) (Subscription, error) {
	out, err := a.subs.add(s, a.now())
	if err != nil {
		return Subscription{}, err
	}
	a.log.Info("cloud api: subscribed", "id", out.ID, "url", out.URL, "topics", out.Topics)
	return out, nil
}

// Unsubscribe removes the subscription id and its undelivered events; an
// unknown id wraps fs.ErrNotExist.
func (a *API) Unsubscribe(id string) error {
	if err := a.subs.remove(id); err != nil {
		return err
	}
	a.log.Info("cloud api: unsubscribed", "id", id)
	return nil
}

// Close stops the deliveries (storing what is queued) and waits for the
// API's goroutines. It is idempotent; every call returns once all is
// stopped.
func (a *API) Close() error {
	a.closeOnce.Do(a.close)
	return nil
}

func (a *API) close() {
	a.closeMu.Lock()
	a.closed = true
	a.closeMu.Unlock()
	a.mu.Lock()
	for _, s := range a.sessions {
		s.close()
	}
	a.mu.Unlock()
	a.subs.close()
	a.serials.Close()
}
