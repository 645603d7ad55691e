package e2e

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// TestProcsFollowLoad: with -procs auto (the default) an idle box runs its
// goroutines on one processor, a busy one on all of them, and it goes back
// to one once the load has stayed low for 10 s. -procs-load is set low so
// that a few hundred short calls count as busy on any machine. On a
// one-processor machine there is nothing to choose, and the box says so by
// logging nothing about processors.
func TestProcsFollowLoad(t *testing.T) {
	t.Parallel()
	sipptest.NeedTool(t, "sipp")
	b := startBox(t, boxOpts{args: []string{"-procs-load", "0.02"}})
	if runtime.NumCPU() < 2 { // nothing to choose: the calls run, and no processors line
		shortCalls(t, b, dropSink(t), 300, 100)
		if strings.Contains(b.logs(), "msg=processors") {
			t.Fatalf("a one-processor box changed its processors:\n%s", b.logs())
		}
		return
	}
	b.waitLog(5*time.Second, "msg=processors", "procs=1", "why=start")
	shortCalls(t, b, dropSink(t), 300, 100)
	line := b.waitLog(5*time.Second, "msg=processors", "why=load")
	t.Logf("under load: %s", line)
	line = b.waitLog(30*time.Second, "msg=processors", "procs=1", "why=calm")
	t.Logf("calm again: %s", line)
}
