package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// levelResult is one level of one generator, as printed and kept in JSON.
type levelResult struct {
	Generator    string  `json:"generator"` // "loadgen" or "sipp"
	Calls        int     `json:"calls"`     // concurrent calls asked
	Answered     int     `json:"answered"`
	Failed       int     `json:"failed"`
	CPUPercent   float64 `json:"cpu_percent"` // the box's, of one core, over the window
	CallsPerCore float64 `json:"calls_per_core"`
	// Packets per call per second each way over the window; -1: the
	// generator does not count them (SIPp).
	PPSFromBox float64 `json:"pps_from_box"`
	PPSToBox   float64 `json:"pps_to_box"`
	SetupP50   float64 `json:"invite_200_p50_ms"`
	SetupP95   float64 `json:"invite_200_p95_ms"`
	SetupP99   float64 `json:"invite_200_p99_ms"`
	SetupMax   float64 `json:"invite_200_max_ms"`
	RSSMB      float64 `json:"rss_mb"`
	// JitterP99 is the 99th percentile of how far the gaps between a call's
	// packets from the box stray from 20 ms, in ms; -1: not measured.
	JitterP99 float64 `json:"rtp_gap_jitter_p99_ms"`
	// JitterStamped: the gaps are between kernel receive times
	// (SO_TIMESTAMPNS), not the generator's read times.
	JitterStamped bool   `json:"rtp_gap_kernel_stamps"`
	Resent        int64  `json:"invite_retransmissions"` // -1: not counted
	Warning       string `json:"warning,omitempty"`      // why the figures may not be representative
}

// parseLevels reads -levels ("" means the one level -calls).
func (o *options) parseLevels(s string) error {
	if s == "" {
		o.levels = []int{o.calls}
		return nil
	}
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("-levels %q: want positive call counts separated by commas", s)
		}
		o.levels = append(o.levels, n)
		o.calls = max(o.calls, n) // what check() must allow
	}
	return nil
}

// pickAddrs fills in free addresses for the box and refuses taken ones.
func (o *options) pickAddrs() error {
	var err error
	if o.sipAddr, err = pickAddr("sip", o.sipAddr); err != nil {
		return err
	}
	if o.httpAddr, err = pickAddr("http", o.httpAddr); err != nil {
		return err
	}
	o.debugAddr, err = pickAddr("debug", o.debugAddr)
	return err
}

// percentileMs returns the p-th percentile of sorted durations in ms.
func percentileMs(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(float64(len(sorted))*p), len(sorted)-1)
	return float64(sorted[i]) / float64(time.Millisecond)
}

// level turns a load run's result into its levelResult.
func (r result) level(o options) levelResult {
	sec := r.window.Seconds()
	l := levelResult{Generator: "loadgen", Calls: o.calls, Answered: r.answered, Failed: r.failed,
		CPUPercent: r.cpu, RSSMB: r.rss, Resent: r.resent, Warning: r.overload(), JitterP99: r.jitterP99, JitterStamped: r.stamped,
		SetupP50: percentileMs(r.setup, 0.50), SetupP95: percentileMs(r.setup, 0.95),
		SetupP99: percentileMs(r.setup, 0.99), SetupMax: percentileMs(r.setup, 1)}
	if r.cpu > 0 {
		l.CallsPerCore = float64(r.answered) / (r.cpu / 100)
	}
	if sec > 0 {
		l.PPSFromBox, l.PPSToBox = float64(r.rxMedian)/sec, float64(r.ticks)/sec
	}
	return l
}

// printTable prints the levels side by side.
func printTable(w io.Writer, rs []levelResult) {
	fmt.Fprintf(w, "\n%-8s %6s %6s %6s %7s %9s %9s %9s %8s %8s %8s %7s %6s %7s\n", "gen", "calls", "ok", "failed",
		"cpu%", "calls/core", "pps<-box", "pps->box", "inv p50", "inv p95", "inv p99", "rss MB", "resent", "jit p99")
	pps := func(v float64) string {
		if v < 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", v)
	}
	for _, r := range rs {
		resent := "-"
		if r.Resent >= 0 {
			resent = strconv.FormatInt(r.Resent, 10)
		}
		fmt.Fprintf(w, "%-8s %6d %6d %6d %7.1f %9.0f %9s %9s %7.1fms %7.1fms %7.1fms %7.1f %6s %7s\n", r.Generator, r.Calls,
			r.Answered, r.Failed, r.CPUPercent, r.CallsPerCore, pps(r.PPSFromBox), pps(r.PPSToBox),
			r.SetupP50, r.SetupP95, r.SetupP99, r.RSSMB, resent, pps(r.JitterP99))
		if r.Warning != "" {
			fmt.Fprintf(w, "         WARNING: %s\n", r.Warning)
		}
	}
	fmt.Fprintf(w, "(%d cores; CPU is the box's own; pps are packets per call per second over the window)\n", runtime.NumCPU())
}

// writeResults keeps the results as JSON in dir, named by the time, with
// the box's -procs (procs).
func writeResults(dir, procs string, rs []levelResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	doc, err := json.MarshalIndent(map[string]any{"time": time.Now().UTC().Format(time.RFC3339),
		"cores": runtime.NumCPU(), "box_procs": procs, "levels": rs}, "", "  ")
	if err != nil {
		return err
	}
	f := filepath.Join(dir, "bench-"+time.Now().UTC().Format("20060102-150405")+".json")
	if err := os.WriteFile(f, append(doc, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println("results:", f)
	return nil
}
