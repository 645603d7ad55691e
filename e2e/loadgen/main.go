// Command loadgen measures how many concurrent IVR calls ivrbox carries: it
// starts the binary with a benchmark IVR that plays prompts without end,
// places N calls from one SIP socket, sends 20 ms RTP for every call from one
// RTP socket with batched I/O (sendmmsg/recvmmsg), and reports the box's CPU
// and memory, failed calls and RTP packets received per call. All traffic
// stays on 127.0.0.1; every loop is bounded in count and time.
package main

import (
	"context"
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
	hold   time.Duration
	rate   int
	sipp   int
	window time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "dist/ivrbox-bench", "ivrbox binary")
	flag.IntVar(&o.calls, "calls", 2000, "concurrent calls")
	flag.DurationVar(&o.hold, "hold", 40*time.Second, "how long each call lasts")
	flag.IntVar(&o.rate, "rate", 200, "new calls per second while ramping up")
	flag.IntVar(&o.sipp, "sipp", 100, "calls for the SIPp cross-check run (0: skip)")
	flag.DurationVar(&o.window, "window", 10*time.Second, "steady-state measuring window")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// benchConfig is an IVR that plays the hold music with no end.
const benchConfig = `{"version": %d, "system": {"name": "bench", "max_calls": 10000},
 "ivrs": [{"number": "7000", "prompts": ["music"], "repeat": 100, "timeout": {"type": "hangup"}}]}`

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "ivrbox-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b, err := startBox(ctx, o.bin, dir)
	if err != nil {
		return err
	}
	defer b.stop()
	time.Sleep(2 * time.Second)
	idle := b.rssMB()
	fmt.Printf("ivrbox idle RSS: %.1f MB\n", idle)
	if o.sipp > 0 {
		if err := sippRun(ctx, b, o.sipp, o.hold/2); err != nil {
			fmt.Println("SIPp cross-check:", err)
		}
	}
	res, err := loadRun(ctx, b, o)
	if err != nil {
		return err
	}
	res.print(idle)
	return nil
}

// box is the ivrbox process under load.
type box struct {
	cmd     *exec.Cmd
	sipAddr string
}

func startBox(ctx context.Context, bin, dir string) (*box, error) {
	cfg := filepath.Join(dir, "bench.json")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, benchConfig, config.SchemaVersion), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.CommandContext(ctx, bin, "config", "import", "-data", dir, cfg).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("config import: %v: %s", err, out)
	}
	b := &box{sipAddr: "127.0.0.1:25060"}
	b.cmd = exec.CommandContext(ctx, bin, "-data", dir, "-board", "sim", "-log-level", "warn",
		"-sip", b.sipAddr, "-http", "127.0.0.1:28080", "-rtp", "30000-65000", "-debug", "127.0.0.1:28081")
	b.cmd.Stderr = os.Stderr
	if err := b.cmd.Start(); err != nil {
		return nil, err
	}
	return b, waitHTTP("http://127.0.0.1:28080/healthz", 20*time.Second)
}

func (b *box) stop() {
	_ = b.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = b.cmd.Process.Kill()
		<-done
	}
}
