// Command loadgen measures how many concurrent IVR calls ivrbox carries: it
// starts the binary with a benchmark IVR that plays prompts without end,
// places N calls from one SIP socket (an unanswered INVITE is retransmitted
// on RFC 3261 timer A and fails at timer B), sends 20 ms RTP for every call
// from one RTP socket with batched I/O (sendmmsg/recvmmsg), and reports the
// box's CPU and memory, failed calls, packets per call each way, INVITE to
// 200 percentiles and the gaps of the box's RTP. With -levels it runs each
// level on a fresh box, then the same scenario with SIPp on another, prints
// a table and keeps the results as JSON under -out. The box listens on free
// loopback ports unless -sip, -http and -debug say otherwise (a port in use
// is refused: the bench never measures another box). All traffic stays on
// 127.0.0.1; every loop is bounded in count and time.
//
// Optional modes load the box's newer paths too (each is off by default):
//   - -record mixed|stereo|split: the IVR records every call; the recordings'
//     write rate is reported and every file is checked after the run;
//   - -fork: every call is forked (both directions) to a UDP sink of the
//     load generator, which counts the packets;
//   - -keys: every call presses an RFC 4733 key every 2 s; the latency from
//     the key's first packet to its dtmf.digit event on the admin API's SSE
//     stream is reported, with the PBX API events delivered to an HTTP sink
//     (so the event outbox writes to its store throughout).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

type options struct {
	bin    string
	calls  int
	levels []int  // concurrent calls of each level; nil: just calls
	out    string // folder of the results' JSON file

	// The box's addresses: free ones unless given; one given must be free.
	sipAddr, httpAddr, debugAddr string
	rtp                          string // the box's RTP port range
	procs                        string // the box's -procs
	sippMedia                    int    // SIPp's first media port
	hold                         time.Duration
	rate                         int
	sipp                         int
	window                       time.Duration
	record                       string // "": no recording; else the IVR's whole-call recording format
	fork                         bool
	keys                         bool
}

// check refuses options the box or the load generator cannot run.
func (o options) check() error {
	if _, ok := recFormats[o.record]; o.record != "" && !ok {
		return fmt.Errorf("-record %q: want mixed, stereo or split", o.record)
	}
	if o.fork && o.calls > config.MaxForks {
		return fmt.Errorf("-fork with -calls %d: the box runs at most %d forks (system.fork.max_total); use -calls %d or fewer",
			o.calls, config.MaxForks, config.MaxForks)
	}
	return nil
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "dist/ivrbox-bench", "ivrbox binary")
	flag.IntVar(&o.calls, "calls", 2000, "concurrent calls (one level; see -levels)")
	levels := flag.String("levels", "", "comma-separated concurrent-call levels, each run by the load generator and by SIPp (e.g. 200,400,600)")
	flag.StringVar(&o.out, "out", "dist/bench", "folder for the results (JSON)")
	flag.StringVar(&o.sipAddr, "sip", "", "the box's SIP address (default: a free 127.0.0.1 port; a port in use is refused)")
	flag.StringVar(&o.httpAddr, "http", "", "the box's HTTP address (default: a free 127.0.0.1 port)")
	flag.StringVar(&o.debugAddr, "debug", "", "the box's pprof address (default: a free 127.0.0.1 port)")
	flag.StringVar(&o.rtp, "rtp", "20000-31999", "the box's RTP port range (busy ports are skipped)")
	flag.StringVar(&o.procs, "procs", "auto", "the box's -procs: auto (one processor while lightly loaded) or a number")
	flag.IntVar(&o.sippMedia, "sipp-media", 40000, "SIPp's first media port")
	flag.DurationVar(&o.hold, "hold", 40*time.Second, "how long each call lasts")
	flag.IntVar(&o.rate, "rate", 200, "new calls per second while ramping up")
	flag.IntVar(&o.sipp, "sipp", 1, "run SIPp at every level beside the load generator, the same scenario (0: skip)")
	flag.DurationVar(&o.window, "window", 10*time.Second, "steady-state measuring window")
	flag.StringVar(&o.record, "record", "", "record every call: mixed, stereo or split (empty: no recording)")
	flag.BoolVar(&o.fork, "fork", false, "fork every call's media (both directions) to a UDP sink")
	flag.BoolVar(&o.keys, "keys", false, "press an RFC 4733 key on every call every 2 s and measure key-to-event latency")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := o.parseLevels(*levels)
	if err == nil {
		err = o.check()
	}
	if err == nil {
		err = o.pickAddrs()
	}
	if err == nil {
		err = run(ctx, o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// benchIVR is the number of the benchmark IVR.
const benchIVR = "7000"

// benchConfig is an IVR that plays the hold music with no end, with what
// the modes of o need: the whole-call recording, fork limits that cover
// every call and allow the loopback sink, keys that start the IVR again
// (so a key is never an invalid entry, which would end the call after a
// few), and the app URL of the event sink (appURL; "": none).
func benchConfig(o options, appURL string) ([]byte, error) {
	ivr := config.IVR{Number: benchIVR, Prompts: []string{"music"}, Repeat: 100,
		Timeout: config.Action{Type: config.ActHangup}, Record: o.record}
	cfg := config.Config{Version: config.SchemaVersion,
		System: config.System{Name: "bench", MaxCalls: 10000}, API: config.API{AppURL: appURL}}
	if o.fork {
		cfg.System.Fork = config.Fork{AllowLoopback: true, MaxTotal: max(o.calls, config.DefaultForksTotal)}
	}
	if o.keys {
		ivr.Keys = map[string]config.Action{}
		for _, k := range keyDigits {
			ivr.Keys[string(k)] = config.Action{Type: config.ActIVR, Target: benchIVR}
		}
	}
	cfg.IVRs = []config.IVR{ivr}
	return json.MarshalIndent(cfg, "", "  ")
}

func run(ctx context.Context, o options) error {
	var all []levelResult
	for _, n := range o.levels {
		lo := o
		lo.calls = n
		r, err := runLoadgen(ctx, lo)
		if err != nil {
			return err
		}
		all = append(all, r)
		if o.sipp > 0 {
			r, err := runSIPp(ctx, lo)
			if err != nil {
				fmt.Println("SIPp run:", err)
			} else {
				all = append(all, r)
			}
		}
	}
	printTable(os.Stdout, all)
	return writeResults(o.out, o.procs, all)
}

// runLoadgen runs one level with the load generator on a fresh box.
func runLoadgen(ctx context.Context, o options) (levelResult, error) {
	dir, err := os.MkdirTemp("", "ivrbox-bench")
	if err != nil {
		return levelResult{}, err
	}
	defer os.RemoveAll(dir)
	var sink *eventSink
	if o.keys {
		if sink, err = startEventSink(); err != nil {
			return levelResult{}, err
		}
		defer sink.close()
	}
	b, err := startBox(ctx, o, dir, sink.url())
	if err != nil {
		return levelResult{}, err
	}
	defer b.stop()
	b.events = sink
	idle := b.rssMB()
	fmt.Printf("== load generator, %d calls: ivrbox idle RSS %.1f MB\n", o.calls, idle)
	res, err := loadRun(ctx, b, o)
	if err != nil {
		return levelResult{}, err
	}
	res.print(idle)
	return res.level(o), nil
}

// box is the ivrbox process under load.
type box struct {
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has ended
	sipAddr  string
	httpAddr string
	dataDir  string
	events   *eventSink // where its outbox delivers; nil: nowhere
}

func startBox(ctx context.Context, o options, dir, appURL string) (*box, error) {
	cfg := filepath.Join(dir, "bench.json")
	doc, err := benchConfig(o, appURL)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(cfg, doc, 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.CommandContext(ctx, o.bin, "config", "import", "-data", dir, cfg).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("config import: %v: %s", err, out)
	}
	b := &box{sipAddr: o.sipAddr, httpAddr: o.httpAddr, dataDir: dir, exited: make(chan struct{})}
	b.cmd = exec.CommandContext(ctx, o.bin, "-data", dir, "-board", "sim", "-log-level", "warn",
		"-sip", b.sipAddr, "-http", b.httpAddr, "-https", "off", "-sips", "off", "-rtp", o.rtp, "-debug", o.debugAddr,
		"-procs", o.procs)
	b.cmd.Stderr = os.Stderr
	if err := b.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = b.cmd.Wait(); close(b.exited) }()
	if err := waitHTTP("http://"+b.httpAddr+"/healthz", 20*time.Second); err != nil {
		b.stop()
		return nil, err
	}
	select {
	case <-b.exited: // what answered is not ours: it could not bind
		return nil, fmt.Errorf("ivrbox exited at start (an address taken since it was checked?)")
	default:
	}
	return b, nil
}

func (b *box) stop() {
	_ = b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.exited:
	case <-time.After(20 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
}
