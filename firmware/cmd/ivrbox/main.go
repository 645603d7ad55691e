// Command ivrbox is the firmware of the ivrbox SIP IVR appliance.
//
//	ivrbox [-data DIR] [-sip ADDR] [-sips ADDR] [-http ADDR] [-https ADDR] [-http-mode serve|redirect|off] [-rtp LOW-HIGH] [-board NAME] [-log-level L]
//	ivrbox -version
//	ivrbox config export [-data DIR]          write the whole configuration as JSON to stdout
//	ivrbox config import [-data DIR] FILE     validate FILE and replace the configuration
//	ivrbox passwd [-data DIR]                 set the admin password (read from stdin)
//	ivrbox cert [show|regenerate] [-data DIR] show or replace the HTTPS certificate
//	ivrbox fleet push|drain|undrain|status    copy a box's config and prompts to others; drain a box
//
// See docs/CONFIG.md for the configuration format and docs/API-ADMIN.md for
// the admin API. The box restarts in-process (same PID) when the admin API
// asks it to.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ivrbox/ivrbox/board"
	"github.com/ivrbox/ivrbox/firmware/box"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/logbuf"
	"github.com/ivrbox/ivrbox/firmware/logring"
	"github.com/ivrbox/ivrbox/firmware/procs"
	"github.com/ivrbox/ivrbox/firmware/sdnotify"
	"github.com/ivrbox/ivrbox/firmware/store"
	"github.com/ivrbox/ivrbox/firmware/version"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ivrbox:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "config" {
		return runConfig(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "cert" {
		return runCert(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "fleet" {
		return runFleet(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "passwd" {
		return runPasswd(args[1:], os.Stdin, stderr)
	}
	fs := flag.NewFlagSet("ivrbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opt      box.Options
		rtp      = fs.String("rtp", "10000-20000", "RTP port range LOW-HIGH")
		level    = fs.String("log-level", "info", "log level: debug, info, warn, error")
		logFlush = fs.Duration("log-flush", 100*time.Millisecond, "longest a busy log's lines wait to be written (0: at once)")
		showVers = fs.Bool("version", false, "print the version and exit")
		procsArg = fs.String("procs", "auto", "processors for goroutines: auto (one while lightly loaded, all when busy) or a number")
		procLoad = fs.Float64("procs-load", procs.DefaultLoad, "load, in cores, at which -procs auto uses all processors")
	)
	fs.StringVar(&opt.DataDir, "data", "data", "data directory (config database, prompts)")
	fs.StringVar(&opt.SIPAddr, "sip", ":5060", "SIP listen address (UDP and TCP)")
	fs.StringVar(&opt.SIPSAddr, "sips", box.DefaultSIPSAddr, "SIP over TLS listen address, or off")
	fs.StringVar(&opt.HTTPAddr, "http", ":8080", "HTTP listen address, or off")
	fs.StringVar(&opt.HTTPSAddr, "https", ":8443", "HTTPS listen address, or off")
	fs.StringVar(&opt.HTTPMode, "http-mode", box.HTTPServe, "plain HTTP: serve, redirect (to HTTPS) or off")
	fs.StringVar(&opt.DebugAddr, "debug", "", "serve pprof profiles on this address (performance work only)")
	fs.StringVar(&opt.Board, "board", "auto", "board profile: "+strings.Join(board.Names(), ", "))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *showVers {
		fmt.Fprintln(stdout, "ivrbox", version.Version)
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := box.CheckHTTPMode(opt.HTTPMode); err != nil {
		return fmt.Errorf("-http-mode: %w", err)
	}
	var err error
	if opt.RTPLow, opt.RTPHigh, err = parseRange(*rtp); err != nil {
		return err
	}
	if err := checkProcs(*procsArg); err != nil {
		return err
	}
	// The log goes out from a goroutine of its own, a busy log in batches
	// (-log-flush), so that logging makes no system call on the goroutine
	// that logs.
	logOut := logbuf.New(stderr, max(*logFlush, 0))
	defer logOut.Close()
	if opt.Log, err = newLogger(*level, logOut); err != nil {
		return err
	}
	ring, err := openLogRing(opt.DataDir)
	if err != nil {
		opt.Log.Warn("the log is kept in memory only", "err", err)
	}
	defer ring.Close()
	opt.Log, opt.LogRing = slog.New(ring.Handler(opt.Log.Handler())), ring
	setMemoryLimit(opt.Board, opt.Log)
	opt.Started = time.Now()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	hurry := make(chan struct{})
	opt.Hurry = hurry
	var wg sync.WaitGroup
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	wg.Go(func() { handleSignals(sigs, cancel, hurry) })
	defer func() { signal.Stop(sigs); close(sigs); wg.Wait() }()
	// systemd: ready/stopping from each Box, watchdog pings for the process's
	// whole life (across in-process restarts and a drain); no-ops outside systemd.
	n := sdnotify.New(sdnotify.Options{Log: opt.Log.With("component", "sdnotify")})
	opt.Notify = n
	wdCtx, stopWD := context.WithCancel(context.Background())
	wg.Go(func() { n.Watchdog(wdCtx) })
	defer stopWD()
	if pc := newProcs(*procsArg, *procLoad, opt.Log); pc != nil {
		wg.Go(func() { pc.Run(wdCtx) })
	}
	return serve(ctx, opt)
}

// handleSignals stops the box on the first signal: SIGTERM (systemd's
// stop) after draining its calls (box.ErrDrain), SIGINT at once. Any later
// signal cuts a drain short (hurry). It returns when sigs is closed.
func handleSignals(sigs <-chan os.Signal, cancel context.CancelCauseFunc, hurry chan struct{}) {
	first := true
	for sig := range sigs {
		switch {
		case first && sig == syscall.SIGTERM:
			cancel(box.ErrDrain)
		case first:
			cancel(nil)
		default:
			select {
			case <-hurry:
			default:
				close(hurry)
			}
		}
		first = false
	}
}

// serve runs boxes until ctx is done: when one returns box.ErrRestart it is
// closed (releasing its ports and data file) and a new one is built from the
// same options.
func serve(ctx context.Context, opt box.Options) error {
	for {
		b, err := box.New(opt)
		if err != nil {
			return err
		}
		err = b.Run(ctx)
		b.Close()
		switch {
		case !errors.Is(err, box.ErrRestart):
			return err
		case ctx.Err() != nil:
			return nil // stopped while restarting
		}
	}
}

// parseRange parses "LOW-HIGH" RTP ports: LOW even, 1024 <= LOW < HIGH <= 65535.
func parseRange(s string) (int, int, error) {
	lo, hi, ok := strings.Cut(s, "-")
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || l < 1024 || h > 65535 || h <= l {
		return 0, 0, fmt.Errorf("-rtp %q: want LOW-HIGH with 1024 <= LOW < HIGH <= 65535", s)
	}
	return l, h, nil
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// openLogRing keeps the recent log lines for the admin page, in the data
// folder across restarts (in memory only when it cannot be written).
func openLogRing(dataDir string) (*logring.Ring, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		r, _ := logring.Open(logring.Options{})
		return r, err
	}
	return logring.Open(logring.Options{Dir: dataDir})
}

// runConfig implements `ivrbox config export|import`.
func runConfig(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: ivrbox config export|import [-data DIR] [FILE]")
	}
	sub := args[0]
	fs := flag.NewFlagSet("ivrbox config "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "data", "data directory")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch {
	case sub == "export" && fs.NArg() == 0:
		st, err := store.Open(box.StorePath(*dataDir), store.Options{})
		if err != nil {
			return err
		}
		defer st.Close()
		return config.Export(stdout, st.Config())
	case sub == "import" && fs.NArg() == 1:
		data, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		cfg, err := config.Import(data)
		if err != nil {
			return fmt.Errorf("%s: nothing changed: %w", fs.Arg(0), err)
		}
		st, err := openStore(*dataDir)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.Replace(cfg); err != nil {
			return fmt.Errorf("%s: nothing changed: %w", fs.Arg(0), err)
		}
		fmt.Fprintf(stderr, "imported %d IVRs into %s\n", len(cfg.IVRs), box.StorePath(*dataDir))
		return nil
	}
	return errors.New("usage: ivrbox config export [-data DIR] | ivrbox config import [-data DIR] FILE")
}

// openStore opens (creating it and its folder if need be) the config store
// in dataDir, for the sub-commands that write to it.
func openStore(dataDir string) (*store.Store, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	return store.Open(box.StorePath(dataDir), store.Options{})
}
