package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Idle CPU: what an idle box may use of one core, measured over idleWindow.
// The target is 0.1 %; the assertion is generous for a shared test machine.
const (
	idleWindow  = 10 * time.Second
	idleTarget  = 0.001
	idleAllowed = 0.01
)

// TestIdleCPU: a box that has carried a call and gone idle again uses
// (almost) no CPU: its media shards, mixer, forker and recording writers
// sleep without streams, rooms, forks or recordings. The CPU time is the
// process's user and system time from /proc/PID/stat, as a share of the
// wall time.
func TestIdleCPU(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(300*time.Millisecond).bye(), nil, "udp").wait(t)
	b.waitLog(10*time.Second, `msg="stream closed"`)
	pid := b.cmd.Process.Pid
	c0, w0 := procCPU(t, pid), time.Now()
	select {
	case <-time.After(idleWindow): // the measuring window
	case <-b.exited:
		t.Fatal("ivrbox exited")
	}
	c1, w1 := procCPU(t, pid), time.Now()
	share := (c1 - c0).Seconds() / w1.Sub(w0).Seconds()
	t.Logf("idle CPU over %v: %.3f %% of a core (%v; target %.1f %%)", w1.Sub(w0).Round(time.Millisecond),
		100*share, c1-c0, 100*idleTarget)
	if share > idleAllowed {
		t.Errorf("idle CPU %.2f %% of a core, more than %.1f %%", 100*share, 100*idleAllowed)
	}
}

// procCPU returns the user plus system CPU time of process pid.
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("CPU time of the box: %v", err)
	}
	// The command name (field 2) may hold spaces: count from after it.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		t.Fatalf("short /proc/%d/stat: %q", pid, s)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // fields 14 and 15 of stat
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	const clockTicks = 100 // USER_HZ: the kernel reports 1/100 s on every Linux architecture
	return time.Duration(utime+stime) * time.Second / clockTicks
}
