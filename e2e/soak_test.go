package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// runtimeFigures is the admin API's answer to POST debug/gc.
type runtimeFigures struct {
	LiveHeapBytes uint64 `json:"live_heap_bytes"`
	MemoryLimit   int64  `json:"memory_limit"`
	Goroutines    int    `json:"goroutines"`
	OpenFDs       int    `json:"open_fds"`
}

// runtimeNow runs a full GC in the box and returns its figures.
func runtimeNow(c *adminClient) runtimeFigures {
	c.t.Helper()
	var f runtimeFigures
	c.must("POST", "debug/gc", nil, http.StatusOK, &f)
	return f
}

// soakCalls is how many calls the soak places: 3000, or IVRBOX_SOAK_CALLS
// for a longer run by hand (20000 for the figure).
var soakCalls = func() int {
	if n, err := strconv.Atoi(os.Getenv("IVRBOX_SOAK_CALLS")); err == nil && n > 0 {
		return n
	}
	return 3000
}()

// Soak figures: a few thousand short calls, fast enough to overlap.
const (
	soakRate = 200                    // calls per second
	soakHold = 200 * time.Millisecond // each call's length
	// soakSlack is how far above its start the live heap may settle: what
	// the first calls make once (the prompts' cache, maps grown to the
	// burst's size: 1.6-3.4 MB measured), and under 2 KB per call, so a
	// call that leaks even a small part of itself fails.
	soakSlack = 6 << 20
	// soakSettle bounds the wait for the SIP transactions of the last calls
	// to end: 64*T1 (32 s) after their last message, with some margin.
	soakSettle = 45 * time.Second
)

// TestSoakShortCalls: thousands of short SIPp calls (INVITE, 200, ACK, a
// pause, BYE) through the binary; afterwards, with a full GC, the box's
// live heap comes back to within a few MB of where it started, its
// goroutines to the idle count and its open descriptors to what they were.
// Right after the calls only SIP transactions (kept 64*T1 by RFC 3261 to
// absorb retransmissions) may remain, never the calls or their media.
func TestSoakShortCalls(t *testing.T) {
	t.Parallel()
	sipptest.NeedTool(t, "sipp")
	// Its own RTP range, wider than startBox's 100 pairs: a slowed box may
	// hold a few hundred of these calls at once. No other test uses it.
	b := startBox(t, boxOpts{args: []string{"-log-level", "warn", "-rtp", "7000-7999"}})
	adm := admin(t, b)
	sink := dropSink(t)
	start := runtimeNow(adm)
	if start.MemoryLimit <= 0 || start.MemoryLimit >= 1<<62 {
		t.Errorf("no memory limit set: %d", start.MemoryLimit)
	}
	t0 := time.Now()
	soakSIPp(t, b, sink)
	ran := time.Since(t0)
	after := runtimeNow(adm)
	held := int64(after.LiveHeapBytes) - int64(start.LiveHeapBytes)
	t.Logf("%d calls in %v; live heap %.1f MB at start, +%.1f MB right after (%.1f KB per finished call, SIP transactions in their 64*T1)",
		soakCalls, ran.Round(time.Millisecond), mb(start.LiveHeapBytes), float64(held)/(1<<20), float64(held)/1024/float64(soakCalls))
	if perCall := held / int64(soakCalls); perCall > 12<<10 {
		t.Errorf("right after the calls, %d bytes held per finished call: more than SIP transactions", perCall)
	}
	deadline := time.Now().Add(soakSettle)
	for {
		f := runtimeNow(adm)
		settled := f.LiveHeapBytes <= start.LiveHeapBytes+soakSlack &&
			f.Goroutines <= start.Goroutines && f.OpenFDs <= start.OpenFDs
		if settled || time.Now().After(deadline) {
			t.Logf("after %v: live heap %.1f MB (start %.1f), goroutines %d (start %d), open fds %d (start %d)",
				time.Since(t0).Round(time.Second), mb(f.LiveHeapBytes), mb(start.LiveHeapBytes),
				f.Goroutines, start.Goroutines, f.OpenFDs, start.OpenFDs)
			if !settled {
				t.Fatalf("the box did not come back within %v of the calls' end", soakSettle)
			}
			return
		}
		select { // a GC a second while the transactions' timers run out
		case <-time.After(time.Second):
		case <-b.exited:
			t.Fatal("ivrbox exited")
		}
	}
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// dropSink is a UDP port that reads and drops what the box sends, so the
// calls' RTP goes somewhere; it closes with the test.
func dropSink(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// soakSIPp places soakCalls short calls to 6500 and fails the test unless
// every one succeeded.
func soakSIPp(t *testing.T, b *box, rtpPort int) {
	t.Helper()
	shortCalls(t, b, rtpPort, soakCalls, soakRate)
}

// shortCalls places calls short calls (soakHold) to 6500, rate a second,
// SIPp's RTP going to rtpPort, and fails the test unless every one
// succeeded.
func shortCalls(t *testing.T, b *box, rtpPort, calls, rate int) {
	t.Helper()
	sc := new(scenario).invite(false).answered(false).pause(soakHold).bye()
	dir := t.TempDir()
	f := filepath.Join(dir, "soak.xml")
	if err := os.WriteFile(f, []byte(sc.xml()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := time.Duration(calls/rate) * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), run+90*time.Second)
	defer cancel()
	errF := filepath.Join(dir, "errors.log")
	cmd := exec.CommandContext(ctx, "sipp", fmt.Sprintf("127.0.0.1:%d", b.sipPort),
		"-sf", f, "-m", fmt.Sprint(calls), "-r", fmt.Sprint(rate), "-l", "1000", "-s", "6500", "-t", "u1",
		"-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t)), "-mp", fmt.Sprint(sippMediaPort()),
		"-key", "rtpport", fmt.Sprint(rtpPort), "-key", "codec", "0", "-key", "caller", "1000",
		"-timeout", fmt.Sprintf("%ds", int((run+80*time.Second)/time.Second)), "-timeout_error", "-nostdin", "-trace_err", "-error_file", errF)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		errs, _ := os.ReadFile(errF)
		if len(errs) > 4000 {
			errs = errs[:4000]
		}
		t.Fatalf("sipp: %v\n%s\nerrors:\n%s", err, tail(out, 2000), errs)
	}
}

// tail returns the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
