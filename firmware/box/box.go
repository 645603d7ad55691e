// Package box wires the subsystems of one running ivrbox — config store, event
// bus, prompt cache, RTP engine, call manager, IVR engine, call records, SIP
// server, admin API and HTTP server — and starts and stops them in a fixed
// order. It is the only package that knows all of them; main only parses
// flags and calls it (and builds a new Box when Run returns ErrRestart).
package box

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/api/admin"
	"github.com/ivrbox/ivrbox/api/cloud"
	"github.com/ivrbox/ivrbox/api/pbx"
	"github.com/ivrbox/ivrbox/api/ws"
	"github.com/ivrbox/ivrbox/api/ws/files"
	"github.com/ivrbox/ivrbox/board"
	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/cdr"
	"github.com/ivrbox/ivrbox/firmware/certs"
	"github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/disk"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/guard"
	"github.com/ivrbox/ivrbox/firmware/ivr"
	"github.com/ivrbox/ivrbox/firmware/journal"
	"github.com/ivrbox/ivrbox/firmware/logring"
	"github.com/ivrbox/ivrbox/firmware/metrics"
	"github.com/ivrbox/ivrbox/firmware/netlimit"
	"github.com/ivrbox/ivrbox/firmware/outbox"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/firmware/status"
	"github.com/ivrbox/ivrbox/firmware/store"
	"github.com/ivrbox/ivrbox/firmware/trace"
	"github.com/ivrbox/ivrbox/firmware/trunk"
	"github.com/ivrbox/ivrbox/firmware/version"
	"github.com/ivrbox/ivrbox/firmware/xmlivr"
	"github.com/ivrbox/ivrbox/media/fork"
	"github.com/ivrbox/ivrbox/media/mix"
	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/record"
	"github.com/ivrbox/ivrbox/media/stream"
	"github.com/ivrbox/ivrbox/webui"
)

// Options configures a Box. Zero values are the documented defaults.
type Options struct {
	DataDir string // data directory (default "data")
	// LogRing keeps the recent log lines for the admin API's log (the
	// handler of Log feeds it); nil: GET logs answers 501.
	LogRing  *logring.Ring
	SIPAddr  string // SIP listen address, UDP and TCP (default ":5060")
	SIPSAddr string // SIP over TLS listen address (default ":5061"); "off" disables it
	HTTPAddr string // HTTP listen address (default ":8080"); "off" disables it
	// HTTPSAddr is the HTTPS listen address (default ":8443"); "off"
	// disables it.
	HTTPSAddr string
	// HTTPMode is what plain HTTP does: HTTPServe (default), HTTPRedirect
	// (to HTTPS) or HTTPOff.
	HTTPMode string
	RTPLow   int          // lowest RTP port (default 10000)
	RTPHigh  int          // highest RTP port (default 20000)
	Board    string       // board profile name (default "auto")
	Log      *slog.Logger // nil: discard
	// DebugAddr, when set, serves Go's net/http/pprof profiles there (for
	// performance work; keep it on loopback).
	DebugAddr string
	// PromptCacheBytes is the memory budget for decoded prompts (default 64 MiB).
	PromptCacheBytes int64
	// MaxRecords is the number of call records kept (default 10000).
	MaxRecords int
	// Notify hears about the box's lifecycle (systemd's sd_notify: ready,
	// stopping); nil: nobody listens.
	Notify Notifier
	// Started is when the process started, for the uptime the admin API
	// shows (zero: when New runs). main passes the same time to every Box it
	// builds across restarts.
	Started time.Time
	// Hurry, when closed, cuts a drain before a stop short (ErrDrain): the
	// calls left are hung up at once (main closes it on a second signal).
	Hurry <-chan struct{}
}

// Notifier is told when the box is ready and when it stops.
type Notifier interface {
	Ready() error
	Stopping() error
	Status(string) error
}

// ErrRestart is returned by Run when a restart was asked for (admin API
// restart or factory reset): the caller closes this Box and builds a new one
// from the same Options, in the same process.
var ErrRestart = errors.New("box: restart requested")

// Box is one running ivrbox.
type Box struct {
	opt     Options
	log     *slog.Logger
	Board   board.Profile
	Store   *store.Store
	Bus     *event.Bus
	Prompts *prompt.Cache
	Disks   *disk.Manager // the network disks, mounted into Prompts
	Media   *stream.Engine
	Rec     *record.Recorder // call recordings under <data>/recordings
	Forks   *fork.Forker     // media forks (monitor-call)
	Mix     *mix.Engine      // the conference mixer
	Conf    *conf.Manager    // the conference rooms
	XML     *xmlivr.Engine   // the XML IVR applications' engine
	Calls   *call.Manager
	IVR     *ivr.Engine
	Records *cdr.Store
	Metrics *metrics.Metrics // the /metrics figures (diag.go)
	Traces  *trace.Store     // the recent calls' SIP and RTP traces (diag.go)
	SIP     *sip.Server
	Admin   *admin.API
	Status  *status.Status // the board's LEDs and button gestures
	Trunks  *trunk.Manager // trunk registrations and inbound trunk recognition
	PBX     *pbx.API       // the PBX API (/api/v1.1.0/) and its events
	Cloud   *cloud.API     // the cloud IVR API (/remote/, /media/, /event/) and its events
	WS      *ws.API        // the WebSocket ivrapi (/ws) and its events
	Files   *files.Store   // the WebSocket API's storages, temp folders and links
	Certs   *certs.Manager // the TLS server certificate (HTTPS, SIP over TLS)
	Guard   *guard.Guard   // the SIP abuse limits and blocks (guard.go)
	http    *http.Server
	https   *http.Server
	debug   *http.Server

	httpLimitsOnce sync.Once
	httpLimits     *netlimit.Limits // the HTTP listeners' connection slots

	recorder *cdr.Recorder
	journal  *journal.Journal
	outbox   *outbox.Outbox
	hw       *board.Hardware
	service  *service
	restart  chan struct{} // a value asks Run to return ErrRestart
	drain    drainer       // drain.go
}

func (o *Options) defaults() {
	if o.DataDir == "" {
		o.DataDir = "data"
	}
	if o.SIPAddr == "" {
		o.SIPAddr = ":5060"
	}
	if o.HTTPAddr == "" {
		o.HTTPAddr = ":8080"
	}
	if o.HTTPSAddr == "" {
		o.HTTPSAddr = ":8443"
	}
	if o.HTTPMode == HTTPOff {
		o.HTTPAddr = "off"
	}
	if o.RTPLow == 0 {
		o.RTPLow = 10000
	}
	if o.RTPHigh == 0 {
		o.RTPHigh = 20000
	}
	if o.PromptCacheBytes == 0 {
		o.PromptCacheBytes = 64 << 20
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// StorePath is the config database's file inside dataDir.
func StorePath(dataDir string) string { return filepath.Join(dataDir, "ivrbox.db") }

// New opens the store and builds every subsystem; nothing listens yet.
// On error everything opened so far is closed.
func New(opt Options) (b *Box, err error) {
	opt.defaults()
	b = &Box{opt: opt, log: opt.Log, restart: make(chan struct{}, 1)}
	built := b // the returns below set b to nil
	defer func() {
		if err != nil {
			built.Close()
		}
	}()
	if b.Board, err = board.Lookup(opt.Board, "/proc/device-tree/model"); err != nil {
		return nil, err
	}
	if err = os.MkdirAll(filepath.Join(opt.DataDir, "prompts"), 0o750); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if b.Store, err = store.Open(StorePath(opt.DataDir), store.Options{Logger: opt.Log}); err != nil {
		return nil, err
	}
	if err = b.openCerts(); err != nil {
		return nil, err
	}
	b.openGuard()
	b.Bus = event.NewBus(opt.Log.With("component", "event"))
	b.Prompts = prompt.New(prompt.Options{Dir: filepath.Join(opt.DataDir, "prompts"),
		MaxBytes: opt.PromptCacheBytes, Revalidate: 2 * time.Second, Logger: opt.Log.With("component", "prompt"),
		HTTP: &prompt.HTTPOptions{CacheDir: filepath.Join(opt.DataDir, "cache", "http")}})
	b.Disks = disk.New(disk.Options{Prompts: b.Prompts, Secrets: b.Store, CacheDir: filepath.Join(opt.DataDir, "cache"),
		Log: opt.Log.With("component", "disk"), OnChange: b.diskChanged})
	if b.Media, err = stream.NewEngine(stream.Options{PortLow: opt.RTPLow, PortHigh: opt.RTPHigh,
		Log: opt.Log.With("component", "rtp")}); err != nil {
		return nil, err
	}
	sipIP := listenIP(opt.SIPAddr)
	if err = b.openMediaServices(sipIP); err != nil {
		return nil, err
	}
	b.openConf()
	b.openXML()
	b.Calls = call.NewManager(call.Options{Media: b.Media, Prompts: b.Prompts, Bus: b.Bus,
		Config: b.Store.Current, Log: opt.Log, LocalIP: sipIP, BindIP: sipIP, Secret: b.Store.Secret,
		Serial: b.Store.SN(), Advertise: b.advertise, Recorder: b.Rec, Forker: b.Forks, Own: fork.IsOwnAddr})
	b.IVR = ivr.New(ivr.Options{Config: b.Store.Current, Bus: b.Bus, Log: opt.Log.With("component", "ivr")})
	b.service = &service{next: runner{e: b.IVR, conf: b.Conf, xml: b.XML, cloudReady: func() bool { return b.Cloud != nil && b.Cloud.Listening() }},
		config: b.Store.Current, now: time.Now}
	b.Calls.SetRunner(b.service)
	if b.Records, err = cdr.New(b.Store.DB(), opt.MaxRecords); err != nil {
		return nil, err
	}
	b.recorder = cdr.NewRecorder(b.Records, b.Bus, opt.Log.With("component", "cdr"))
	b.openDiag()
	if err = b.openBoard(); err != nil {
		return nil, err
	}
	b.service.fault = func() bool { st := b.Status.State(); return st.Error != "" || st.DiskFault }
	if b.Cloud, err = cloud.New(cloud.Options{Calls: b.Calls, Config: b.Store.Current, DB: b.Store.DB(),
		Prompts: b.Prompts, Log: opt.Log.With("component", "cloud")}); err != nil {
		return nil, err
	}
	if err = b.openWS(); err != nil {
		return nil, err
	}
	b.Admin = admin.New(admin.Options{
		Store: b.Store, Calls: admin.LiveCalls(b.Calls), Bus: b.Bus, Prompts: b.Prompts,
		PromptDir: filepath.Join(opt.DataDir, "prompts"), CacheDir: filepath.Join(opt.DataDir, "cache"), Records: b.Records,
		HAL: boardHAL{st: b.Status, sim: b.hw.Sim}, Disks: b.Disks, Secrets: b.Store,
		Restart: b.Restart, Drain: b, Board: b.Board.Name, SIPAddr: opt.SIPAddr, Started: opt.Started,
		TrunkState: b.trunkState, Delivery: b.deliveryStats, Recordings: b.Rec, Cloud: b.Cloud,
		Conferences: b.confAdmin(), Certs: b.Certs, HTTPSPort: b.httpsPort(), Guard: b.Guard,
		Traces: b.Traces, Metrics: b.Metrics.WritePrometheus, Registrations: b.registrations, Storage: b.storage,
		LogLines: logLines(opt.LogRing),
		Log:      opt.Log.With("component", "admin"),
	})
	sip.SetLibraryLogger(opt.Log.With("component", "sipgo"))
	ua := "ivrbox/" + version.Version
	sipOpt := b.sipOptions(ua)
	sipOpt.Advertise = b.advertiseSIP
	if b.SIP, err = sip.NewServer(sipOpt, b.Calls); err != nil {
		return nil, err
	}
	b.Calls.SetDialer(b.SIP)
	b.Calls.SetMover(b.IVR)
	if err = b.openTelephony(); err != nil {
		return nil, err
	}
	if err = b.openJournal(); err != nil {
		return nil, err
	}
	return b, nil
}

// runner adapts the IVR engine to the call manager. cloudReady says
// whether a cloud application would hear of a call (see ivrCall). A
// number ConfPrefix+id is conference room id's (see runConf).
type runner struct {
	e          *ivr.Engine
	conf       confRooms
	xml        *xmlivr.Engine
	cloudReady func() bool
}

func (r runner) Has(number string) bool {
	if id, ok := confNumber(number); ok {
		return hasConf(r.conf, id)
	}
	return r.e.Has(number)
}

func (r runner) Run(ctx context.Context, ctl *call.Control, number string) error {
	if id, ok := confNumber(number); ok {
		return runConf(ctx, ctl, isOutbound(ctl), r.conf, id)
	}
	return r.e.Run(ctx, ivrCall{Control: ctl, cloudReady: r.cloudReady, xml: r.xml}, number)
}

// listenIP is the host part of addr when it is a concrete IP.
func listenIP(addr string) netip.Addr {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return netip.Addr{}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip
}

// Restart asks Run to shut down and return ErrRestart. It does not block.
func (b *Box) Restart() {
	select {
	case b.restart <- struct{}{}:
	default: // already asked
	}
}

// Run starts the listeners and serves until ctx is done (nil), Restart is
// called (ErrRestart) or SIP fails, then shuts the calls and SIP down; Close
// releases the rest.
func (b *Box) Run(ctx context.Context) error {
	// SIP outlives ctx until the calls have been hung up, so BYEs go out.
	sipCtx, stopSIP := context.WithCancel(context.Background())
	defer stopSIP()
	sipErr := make(chan error, 1)
	go func() { sipErr <- b.SIP.Run(sipCtx) }()
	select {
	case <-b.SIP.Ready():
	case err := <-sipErr:
		return fmt.Errorf("sip: %w", err)
	}
	if err := b.startHTTP(); err != nil {
		return err
	}
	stopTelephony := b.runTelephony()
	defer stopTelephony()
	watchCtx, stopWatch := context.WithCancel(context.Background())
	waitWatch := b.watchStatus(watchCtx)
	defer func() { stopWatch(); waitWatch() }()
	b.log.Info("ivrbox ready", "version", version.Version, "board", b.Board.Name,
		"sip", b.opt.SIPAddr, "http", b.opt.HTTPAddr, "https", b.opt.HTTPSAddr, "fingerprint", b.Certs.Fingerprint(),
		"rtp", fmt.Sprintf("%d-%d", b.opt.RTPLow, b.opt.RTPHigh), "data", b.opt.DataDir)
	if n := b.opt.Notify; n != nil {
		_ = n.Ready()
		_ = n.Status("serving: sip " + b.opt.SIPAddr + ", http " + b.opt.HTTPAddr)
	}
	var result error
	select {
	case <-ctx.Done():
		if errors.Is(context.Cause(ctx), ErrDrain) {
			b.drainForStop(b.opt.Hurry)
		}
	case <-b.restart:
		result = ErrRestart
	case err := <-sipErr:
		if err != nil {
			b.log.Error("sip server stopped", "err", err)
			return fmt.Errorf("sip: %w", err)
		}
	}
	if result != nil {
		b.log.Info("restarting")
		if n := b.opt.Notify; n != nil {
			_ = n.Status("restarting")
		}
	} else {
		b.log.Info("shutting down")
		if n := b.opt.Notify; n != nil {
			_ = n.Stopping()
		}
	}
	_ = b.Calls.Close()
	b.Trunks.Close() // un-REGISTER while SIP still runs
	stopSIP()
	<-sipErr
	return result
}

// startHTTP serves the box's HTTP endpoints: health, the admin API under
// /api/admin/, the other APIs and the web page at /, over HTTPS (https.go)
// and plain HTTP (served, or redirected to HTTPS, per Options.HTTPMode).
func (b *Box) startHTTP() error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "ok %s calls=%d\n", version.Version, len(b.Calls.Calls()))
	})
	mux.Handle(admin.Prefix, b.Admin.Handler())
	mux.Handle("GET /metrics", b.Admin.MetricsHandler())
	mux.Handle(pbx.Root, b.PBX.Handler()) // every other /api/ path answers the PBX API's JSON (10003)
	cloudAPI := b.Cloud.Handler()
	for _, p := range []string{"/remote/", "/media/", "/event/", cloud.Prefix + "/"} {
		mux.Handle(p, cloudAPI)
	}
	wsAPI := b.WS.Handler()
	mux.Handle(ws.Path, wsAPI)
	mux.Handle(ws.Path+"/", wsAPI)
	b.mountConf(mux)
	mux.Handle("/", webui.Handler())
	if err := b.startHTTPS(b.hostGuard(mux)); err != nil {
		return err
	}
	if b.opt.HTTPAddr != "off" {
		ln, err := net.Listen("tcp", b.opt.HTTPAddr)
		if err != nil {
			return fmt.Errorf("http: %w", err)
		}
		b.http = b.serve(ln, b.hostGuard(b.plainHTTP(mux)))
	}
	if b.opt.DebugAddr != "" {
		dl, err := net.Listen("tcp", b.opt.DebugAddr)
		if err != nil {
			return fmt.Errorf("debug: %w", err)
		}
		dm := http.NewServeMux()
		dm.HandleFunc("/debug/pprof/", pprof.Index)
		dm.HandleFunc("/debug/pprof/profile", pprof.Profile)
		dm.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		dm.HandleFunc("/debug/pprof/trace", pprof.Trace)
		b.debug = b.serve(dl, dm)
	}
	return nil
}

// serve runs an HTTP server on ln until Close shuts it down.
func (b *Box) serve(ln net.Listener, h http.Handler) *http.Server {
	srv := httpServer(h)
	ln = b.httpListener(ln)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.log.Error("http server stopped", "addr", ln.Addr(), "err", err)
		}
	}()
	return srv
}

// Close stops everything in reverse order of start: the admin API's event
// streams, HTTP (waiting for requests in progress), calls, conferences (no
// member left by then), SIP, call records (after the calls' last events),
// media, store. It is safe on a partly built Box.
func (b *Box) Close() {
	b.stopDrain()
	if b.Admin != nil {
		b.Admin.Close() // ends SSE streams, so Shutdown need not wait for them
	}
	for _, srv := range []*http.Server{b.http, b.https, b.debug} {
		if srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_ = srv.Shutdown(ctx)
			cancel()
		}
	}
	if b.Calls != nil {
		_ = b.Calls.Close() // hangs up every call while SIP can still send BYE
	}
	b.closeConf()
	b.closeXML()
	if b.SIP != nil {
		_ = b.SIP.Close()
	}
	b.closeJournal()
	if b.recorder != nil {
		b.recorder.Close()
	}
	b.closeTelephony()
	if b.Disks != nil {
		b.Disks.Close()
	}
	b.closeBoard()
	if b.Forks != nil {
		_ = b.Forks.Close()
	}
	if b.Rec != nil {
		b.Rec.Close()
	}
	if b.Media != nil {
		_ = b.Media.Close()
	}
	if b.Store != nil {
		_ = b.Store.Close()
	}
}
