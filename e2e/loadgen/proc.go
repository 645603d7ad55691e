package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuTicks is the process's user+system CPU time in clock ticks (1/100 s).
func (b *box) cpuTicks() int64 { return procTicks(b.cmd.Process.Pid) }

// procTicks is process pid's user+system CPU time in clock ticks (1/100 s).
func procTicks(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// fields after the ")" of the command name: state is field 3; utime 14, stime 15
	i := bytes.LastIndexByte(data, ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// machineTicks is the whole machine's busy time (all cores, idle and
// iowait left out) and the time stolen by the hypervisor, in clock ticks.
func machineTicks() (busy, steal int64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		switch i {
		case 3, 4: // idle, iowait
		case 7:
			steal = n
		default:
			if i < 7 {
				busy += n
			}
		}
	}
	return busy, steal
}

// cpuSample is the CPU use of one window, in percent of one core: the box,
// the load generator itself, the whole machine (all processes) and the time
// the hypervisor stole.
type cpuSample struct{ box, self, machine, steal float64 }

// others is what the rest of the machine used.
func (c cpuSample) others() float64 { return max(c.machine-c.box-c.self, 0) }

// measureCPU measures the CPU use over d.
func (b *box) measureCPU(d time.Duration) cpuSample {
	t0, c0, s0 := time.Now(), b.cpuTicks(), procTicks(os.Getpid())
	m0, st0 := machineTicks()
	time.Sleep(d)
	sec := time.Since(t0).Seconds()
	m1, st1 := machineTicks()
	return cpuSample{box: float64(b.cpuTicks()-c0) / sec, self: float64(procTicks(os.Getpid())-s0) / sec,
		machine: float64(m1-m0) / sec, steal: float64(st1-st0) / sec}
}

// rssMB is the process's resident set size in MB.
func (b *box) rssMB() float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", b.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuPercent measures the box's CPU use over d (100% = one core).
func (b *box) cpuPercent(d time.Duration) float64 { return b.measureCPU(d).box }

func waitHTTP(url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: not ready after %v", url, d)
}
