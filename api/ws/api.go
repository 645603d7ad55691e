package ws

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/api/internal/authlimit"
	"github.com/ivrbox/ivrbox/api/internal/lograte"
	"github.com/ivrbox/ivrbox/api/ws/files"
	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// Path is where the API listens (GET, upgraded to WebSocket; also the
// vendor's /ws/token/v1 and /ws/token/v1/<token>); FilesPath serves the
// download links of ivrapi_file_get_path.
const (
	Path      = "/ws"
	FilesPath = "/ws/files/"
)

// Limits of a connection.
const (
	// MaxMessage is the largest message a client may send; a larger one
	// closes the connection (WebSocket status 1009).
	MaxMessage = 64 << 10
	// SendQueue is how many messages wait for a slow client; when it is
	// full the connection is closed (status 1008), never the call held up.
	SendQueue = 512
	// MaxConns is how many connections the box keeps at once.
	MaxConns = 64
	// MaxInFlight is how many slow requests (file fetches) one connection
	// may have running.
	MaxInFlight = 4
)

// Calls is the call-control surface the API steers calls through (a
// *call.Manager).
type Calls interface {
	Lookup(id string) (call.Info, bool)
	Accept(id, key string, opt call.AcceptOptions) (*call.Control, error)
	Reaccept(id, key string, opt call.AcceptOptions) (*call.Control, error)
	Hangup(ctx context.Context, id, cause string) error
	Transfer(ctx context.Context, id, number, fromExt string) error
}

// Prompts loads media before a play is accepted (a *prompt.Cache).
type Prompts interface {
	Get(ctx context.Context, name string) (*prompt.Audio, error)
}

// Files keeps the API's files: storages, per-session temp folders, links
// (a *files.Store).
type Files interface {
	AddRecording(session, name, rel string) files.Path
	PromptName(session string, p files.Path) (string, error)
	EndSession(session string)
	Link(session string, p files.Path, base string) (string, time.Time, error)
	FetchTemp(ctx context.Context, session, rawURL string) (files.Path, error)
	FetchStatic(ctx context.Context, rawURL, destpath string) (files.Path, error)
	http.Handler
}

// Options configure New.
type Options struct {
	Calls   Calls
	Prompts Prompts
	Files   Files
	// Config returns the current config (store.Current): the tokens.
	Config func() *config.Config
	// Log receives the API's diagnostics; nil discards them.
	Log *slog.Logger
	// Now is the clock of eventts; nil means time.Now.
	Now func() time.Time
	// PingEvery is how often a connection is pinged; 0 means 20 s. A pong
	// must come within PingEvery.
	PingEvery time.Duration
	// MediaTimeout bounds the loading of a play's file; 0 means 10 s.
	MediaTimeout time.Duration
	// OriginPatterns are the extra browser origins allowed to connect
	// (coder/websocket patterns, "app.example.com"); a page served by the
	// box itself and clients that send no Origin are always allowed.
	OriginPatterns []string
}

// API is the WebSocket ivrapi: its HTTP handler and its event hook.
type API struct {
	opt      Options
	log      *slog.Logger
	authLog  *slog.Logger
	throttle *authlimit.Throttle

	// stepMu orders the start and end of steps (and their events) against
	// subscriptions to ivrevents, so that a new subscriber hears each step
	// once: replayed, or broadcast, never both.
	stepMu sync.Mutex

	mu       sync.Mutex
	conns    map[uint64]*conn
	sessions map[string]*session // by call id
	connSeq  uint64
	closed   bool
	wg       sync.WaitGroup // connections' handlers and their requests

	closeOnce sync.Once
}

// New makes the API.
func New(opt Options) *API {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.PingEvery <= 0 {
		opt.PingEvery = 20 * time.Second
	}
	if opt.MediaTimeout <= 0 {
		opt.MediaTimeout = 10 * time.Second
	}
	return &API{opt: opt, log: opt.Log, authLog: lograte.New(opt.Log, time.Second), throttle: authlimit.New(opt.Now),
		conns: map[uint64]*conn{}, sessions: map[string]*session{}}
}

// Handler serves Path (the WebSocket) and FilesPath (download links).
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, a.serveWS)
	mux.HandleFunc("GET "+Path+"/token/v1", a.serveWS)
	mux.HandleFunc("GET "+Path+"/token/v1/{token}", a.serveWS)
	mux.Handle(FilesPath, a.opt.Files)
	return mux
}

// Close closes every connection and waits for their goroutines. It is
// idempotent.
func (a *API) Close() error {
	a.closeOnce.Do(func() {
		a.mu.Lock()
		a.closed = true
		for _, c := range a.conns {
			c.stop("the box is shutting down")
		}
		a.mu.Unlock()
		a.wg.Wait()
	})
	return nil
}

// Conns is how many clients are connected.
func (a *API) Conns() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.conns)
}

// eventTS is the time of an event, in milliseconds.
func (a *API) eventTS() int64 { return a.opt.Now().UnixMilli() }
