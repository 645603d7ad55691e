package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// guardConfig has one IVR that answers at once and plays a short prompt.
const guardConfig = `{"version": 2, "system": {"name": "guard"%s}, "ivrs": [
 {"number": "6500", "prompts": ["notice"], "repeat": 10, "timeout": {"type": "hangup"}}]}`

// TestInviteFlood: 500 INVITEs a second from 127.0.0.3, never ACKed, for 5
// s, while 40 legitimate calls come from 127.0.0.2: every legitimate call is
// answered, the flooder is blocked within 2 s, its calls that got in are
// ended at once, the block is listed by the admin API and lifted there.
func TestInviteFlood(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: fmt.Sprintf(guardConfig, "")})
	adm := admin(t, b)
	sc := new(scenario).invite(false).answered(false).pause(500 * time.Millisecond).bye()
	legit := sippCalls(t, b, "6500", sc, "127.0.0.2", 40, 8)
	start := time.Now()
	fl := flood(t, b, "127.0.0.3", 500, 5*time.Second)
	<-fl.done
	t.Logf("flood over after %v", time.Since(start))
	ok, failed := legit.wait(t)
	t.Logf("legitimate calls over after %v", time.Since(start))
	t.Logf("flood: %d INVITEs sent, %d answered by the box (%d with 200); legitimate calls: %d answered, %d failed",
		fl.sent.Load(), fl.answers.Load(), fl.oks.Load(), ok, failed)
	if total := ok + failed; total != 40 || float64(ok) < 0.99*float64(total) {
		t.Errorf("legitimate calls: %d of %d answered, want at least 99 %%", ok, total)
	}

	var blocks struct {
		Blocks []struct {
			Source  string    `json:"source"`
			Reason  string    `json:"reason"`
			Since   time.Time `json:"since"`
			Dropped uint64    `json:"dropped"`
		} `json:"blocks"`
	}
	adm.must("GET", "blocks", nil, http.StatusOK, &blocks)
	if len(blocks.Blocks) != 1 || blocks.Blocks[0].Source != "127.0.0.3" || blocks.Blocks[0].Reason != "invite rate" {
		t.Fatalf("blocks %+v, want 127.0.0.3 for its INVITE rate", blocks.Blocks)
	}
	took := blocks.Blocks[0].Since.Sub(start)
	t.Logf("flooder blocked %v after the flood started; %d packets dropped since", took, blocks.Blocks[0].Dropped)
	if took > 2*time.Second || blocks.Blocks[0].Dropped < uint64(fl.sent.Load())/2 {
		t.Errorf("blocked after %v with %d dropped, want within 2 s and most of the flood dropped", took, blocks.Blocks[0].Dropped)
	}
	if n := strings.Count(b.logs(), "cause=blocked"); n == 0 {
		t.Error("no call of the flooder was ended at its block")
	}
	if n := strings.Count(b.logs(), "SIP source blocked"); n != 1 {
		t.Errorf("%d block log lines, want 1", n)
	}

	adm.must("DELETE", "blocks/sources/127.0.0.3", nil, http.StatusNoContent, nil)
	adm.must("DELETE", "blocks/sources/127.0.0.3", nil, http.StatusNotFound, nil)
	adm.must("GET", "blocks", nil, http.StatusOK, &blocks)
	if len(blocks.Blocks) != 0 {
		t.Errorf("blocks after the lift: %+v", blocks.Blocks)
	}
	if code := options(t, b, "127.0.0.3"); code != 200 {
		t.Errorf("OPTIONS from the lifted source: %d, want 200", code)
	}
}

// TestCapacity503: past system.capacity.calls a new call gets 503 with
// Retry-After, and the call already up is not disturbed.
func TestCapacity503(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: fmt.Sprintf(guardConfig, `, "capacity": {"calls": 1, "retry_after": 7}`)})
	p := newPeer(t, 0)
	first := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(3*time.Second).bye(), p, "udp")
	p.waitMedia(5 * time.Second)
	sc := new(scenario).invite(false)
	sc.recv(`response="100" optional="true"`)
	sc.steps = append(sc.steps, `<recv response="503"><action><ereg regexp="Retry-After: 7" search_in="msg" check_it="true" assign_to="ra"/></action></recv>`, `<Reference variables="ra"/>`)
	sipp(t, b, "6500", sc.ackFailure(), nil, "udp").wait(t)
	first.wait(t)
	b.waitLog(5*time.Second, "call refused", "status=503", "capacity of 1 calls reached")
}

// sippBatch is one SIPp process placing many calls.
type sippBatch struct {
	run  *sippRun
	stat string
}

// sippCalls places n calls at rate per second from the source address src.
func sippCalls(t *testing.T, b *box, number string, sc *scenario, src string, n, rate int) *sippBatch {
	t.Helper()
	sipptest.NeedTool(t, "sipp")
	dir := t.TempDir()
	f := filepath.Join(dir, "scenario.xml")
	if err := os.WriteFile(f, []byte(sc.xml()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &sippRun{errF: filepath.Join(dir, "errors.log"), msgF: filepath.Join(dir, "messages.log"), done: make(chan error, 1)}
	bt := &sippBatch{run: r, stat: filepath.Join(dir, "stat.csv")}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	r.cmd = exec.CommandContext(ctx, "sipp", fmt.Sprintf("127.0.0.1:%d", b.sipPort),
		"-sf", f, "-m", fmt.Sprint(n), "-r", fmt.Sprint(rate), "-l", fmt.Sprint(n), "-s", number, "-t", "u1",
		"-i", src, "-p", fmt.Sprint(freePortOn(t, src)), "-mp", fmt.Sprint(sippMediaPort()),
		"-key", "rtpport", fmt.Sprint(freePort(t)), "-key", "codec", "0", "-key", "caller", "1000",
		"-timeout", "60s", "-timeout_error", "-nostdin", "-trace_stat", "-stf", bt.stat, "-fd", "1",
		"-trace_err", "-error_file", r.errF)
	r.cmd.Dir = dir
	r.cmd.Stdout = &r.out
	r.cmd.Stderr = &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	return bt
}

// wait waits for SIPp to end and returns its successful and failed calls.
func (bt *sippBatch) wait(t *testing.T) (ok, failed int) {
	t.Helper()
	err := <-bt.run.done
	data, rerr := os.ReadFile(bt.stat)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if rerr != nil || len(lines) < 2 {
		t.Fatalf("sipp: %v, no statistics (%v):\n%s", err, rerr, bt.run.out.String())
	}
	head, last := strings.Split(lines[0], ";"), strings.Split(lines[len(lines)-1], ";")
	for i, h := range head {
		if i >= len(last) {
			break
		}
		switch h {
		case "SuccessfulCall(C)":
			fmt.Sscan(last[i], &ok)
		case "FailedCall(C)":
			fmt.Sscan(last[i], &failed)
		}
	}
	if err != nil && failed == 0 {
		errs, _ := os.ReadFile(bt.run.errF)
		t.Fatalf("sipp failed: %v\n%s\n%s", err, bt.run.out.String(), errs)
	}
	return ok, failed
}

// flooder sends INVITEs it never ACKs from one address.
type flooder struct {
	sent, answers, oks atomic.Int64
	done               chan struct{}
}

// flood sends rate INVITEs a second from src to the box for d (bounded:
// rate*d INVITEs at most), reading what comes back; done closes when it
// has stopped.
func flood(t *testing.T, b *box, src string, rate int, d time.Duration) *flooder {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(src)})
	if err != nil {
		t.Fatal(err)
	}
	box := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: b.sipPort}
	f := &flooder{done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Go(func() { // the answers, until the socket closes
		buf := make([]byte, 8192)
		for {
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			f.answers.Add(1)
			if strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
				f.oks.Add(1)
			}
		}
	})
	go func() {
		defer close(f.done)
		defer wg.Wait()
		defer conn.Close()
		local := conn.LocalAddr().(*net.UDPAddr)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		total := rate * int(d/time.Second)
		for i := 0; i < total; {
			<-tick.C
			for range rate / 100 {
				msg := floodInvite(local, box, i)
				if _, err := conn.WriteTo([]byte(msg), box); err == nil {
					f.sent.Add(1)
				}
				i++
			}
		}
	}()
	return f
}

// floodInvite is the i-th INVITE of a flood: a new call each time.
func floodInvite(local, box *net.UDPAddr, i int) string {
	sdp := fmt.Sprintf("v=0\r\no=flood %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\n",
		i, local.IP, local.IP, 40000+2*(i%1000))
	return fmt.Sprintf("INVITE sip:6500@%s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-flood-%d;rport\r\n"+
		"From: <sip:flood@%s>;tag=f%d\r\nTo: <sip:6500@%s>\r\nCall-ID: flood-%d@%s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:flood@%s>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		box, local, i, local.IP, i, box, i, local.IP, local, len(sdp), sdp)
}

// options sends one OPTIONS from src and returns the status answered.
func options(t *testing.T, b *box, src string) int {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(src)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	local := conn.LocalAddr().(*net.UDPAddr)
	box := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: b.sipPort}
	msg := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-opt-%d;rport\r\n"+
		"From: <sip:probe@%s>;tag=o1\r\nTo: <sip:%s>\r\nCall-ID: opt-%d@%s\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		box, local, time.Now().UnixNano(), local.IP, box, time.Now().UnixNano(), local.IP)
	return exchange(t, conn, box, msg, 5*time.Second)
}

// exchange sends msg and returns the status of the first final response
// (0 if none came within d).
func exchange(t *testing.T, conn *net.UDPConn, to *net.UDPAddr, msg string, d time.Duration) int {
	t.Helper()
	if _, err := conn.WriteTo([]byte(msg), to); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 8192)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return 0
		}
		var code int
		if _, err := fmt.Sscanf(string(buf[:n]), "SIP/2.0 %d", &code); err == nil && code >= 200 {
			return code
		}
	}
}

// TestNoPorts503: with every RTP port pair taken, a new call gets 503 with
// Retry-After (the capacity's), and the next call after the first ends is
// answered.
func TestNoPorts503(t *testing.T) {
	t.Parallel()
	low := freeRTPPair(t)
	b := startBox(t, boxOpts{tones: true, config: fmt.Sprintf(guardConfig, `, "capacity": {"retry_after": 9}`),
		args: []string{"-rtp", fmt.Sprintf("%d-%d", low, low+1)}})
	p := newPeer(t, 0)
	first := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(2*time.Second).bye(), p, "udp")
	p.waitMedia(5 * time.Second)
	sc := new(scenario).invite(false)
	sc.recv(`response="100" optional="true"`)
	sc.steps = append(sc.steps, `<recv response="503"><action><ereg regexp="Retry-After: 9" search_in="msg" check_it="true" assign_to="ra"/></action></recv>`, `<Reference variables="ra"/>`)
	sipp(t, b, "6500", sc.ackFailure(), nil, "udp").wait(t)
	first.wait(t)
	b.waitLog(10*time.Second, "event.kind=call.ended") // published once its media is closed
	sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(500*time.Millisecond).bye(), newPeer(t, 0), "udp").wait(t)
}
