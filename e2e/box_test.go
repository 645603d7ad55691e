package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
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

	"github.com/ivrbox/ivrbox/media/tone"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// ivrboxBin returns the binary under test, building it once if needed.
func ivrboxBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if p := os.Getenv("IVRBOX_BIN"); p != "" {
			binPath = p
			return
		}
		dir, err := os.MkdirTemp("", "ivrbox-e2e")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "ivrbox")
		cmd := exec.Command("go", "build", "-o", binPath, "../firmware/cmd/ivrbox")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// toneOf maps each built-in prompt name to the tone the tests replace it with,
// so what a caller hears can be told by frequency. None is a DTMF frequency.
var toneOf = map[string]float64{
	"notice": 400, "confirm": 600, "password": 1000, "holdon": 1800,
	"music": 2200, "ok": 2600, "password1": 3000,
}

// toneFreqs lists the tone frequencies.
func toneFreqs() []float64 {
	out := make([]float64, 0, len(toneOf))
	for _, f := range toneOf {
		out = append(out, f)
	}
	return out
}

// promptOf is the reverse of toneOf.
func promptOf(freq float64) string {
	for n, f := range toneOf {
		if f == freq {
			return n
		}
	}
	return fmt.Sprintf("%.0fHz", freq)
}

// box is one running ivrbox process.
type box struct {
	t        *testing.T
	dir      string
	sipIP    string // "127.0.0.1" unless boxOpts.sipIP
	sipPort  int
	httpPort int
	cmd      *exec.Cmd
	logMu    sync.Mutex
	log      bytes.Buffer
	exited   chan struct{}
}

type boxOpts struct {
	config  string            // JSON config to import before start ("" = factory defaults)
	tones   bool              // replace the built-in prompts with tone prompts
	prompts map[string][]byte // more prompt files (name → file contents)
	prepare func(dir string)  // called with the data directory before the box starts
	dir     string            // the data directory to use ("": a new one)
	ports   *box              // reuse this box's ports (a restart on the same data)
	args    []string          // more flags, after the defaults (HTTPS is off unless args set -https)
	sipIP   string            // the loopback address SIP (and so RTP) binds to ("": 127.0.0.1)
	prefix  []string          // a command that runs the binary (e.g. prlimit with its options)
}

// startBox starts ivrbox on free loopback ports and waits until it serves.
func startBox(t *testing.T, o boxOpts) *box {
	t.Helper()
	bin := ivrboxBin(t)
	b := &box{t: t, dir: o.dir, sipIP: o.sipIP, exited: make(chan struct{})}
	if b.sipIP == "" {
		b.sipIP = "127.0.0.1"
	}
	if b.dir == "" {
		b.dir = t.TempDir()
	}
	if o.ports != nil {
		b.sipPort, b.httpPort = o.ports.sipPort, o.ports.httpPort
	} else {
		b.sipPort, b.httpPort = freePort(t), freePort(t)
	}
	if len(o.prompts) > 0 {
		pdir := filepath.Join(b.dir, "prompts")
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range o.prompts {
			if err := os.WriteFile(filepath.Join(pdir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if o.prepare != nil {
		o.prepare(b.dir)
	}
	if o.tones {
		pdir := filepath.Join(b.dir, "prompts")
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, f := range toneOf {
			wav := tone.WAV(tone.Sine([]float64{f}, 600, 0.4))
			if err := os.WriteFile(filepath.Join(pdir, name+".wav"), wav, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if o.config != "" {
		f := filepath.Join(b.dir, "import.json")
		if err := os.WriteFile(f, []byte(o.config), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "config", "import", "-data", b.dir, f).CombinedOutput()
		if err != nil {
			t.Fatalf("config import: %v\n%s", err, out)
		}
	}
	rtpLow := rtpBlock()
	// -log-flush 0: a line is written as soon as it is logged, so what a
	// test reads of the log right after an event is there (the default
	// holds a busy log's lines up to 100 ms).
	b.cmd = exec.Command(bin, "-data", b.dir, "-board", "sim", "-log-level", "debug", "-log-flush", "0",
		"-sip", fmt.Sprintf("%s:%d", b.sipIP, b.sipPort),
		"-http", fmt.Sprintf("127.0.0.1:%d", b.httpPort),
		"-rtp", fmt.Sprintf("%d-%d", rtpLow, rtpLow+199), "-https", "off", "-sips", "off")
	b.cmd.Args = append(b.cmd.Args, o.args...)
	if len(o.prefix) > 0 {
		b.cmd = exec.Command(o.prefix[0], append(o.prefix[1:], b.cmd.Args...)...)
	}
	stderr, err := b.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go b.collect(stderr)
	t.Cleanup(b.stop)
	b.waitReady()
	return b
}

func (b *box) collect(r io.Reader) {
	defer close(b.exited)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		b.logMu.Lock()
		b.log.Write(sc.Bytes())
		b.log.WriteByte('\n')
		b.logMu.Unlock()
	}
}

func (b *box) waitReady() {
	b.t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", b.httpPort)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-b.exited:
			b.t.Fatalf("ivrbox exited early:\n%s", b.logs())
		case <-time.After(50 * time.Millisecond):
		}
	}
	b.t.Fatalf("ivrbox not ready:\n%s", b.logs())
}

// logs returns everything ivrbox logged so far.
func (b *box) logs() string {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	return b.log.String()
}

// grepLog returns the log's lines that contain any of parts, at most the
// last max of them: what a failure message needs of a long log.
func (b *box) grepLog(max int, parts ...string) string {
	var out []string
	for _, line := range strings.Split(b.logs(), "\n") {
		for _, p := range parts {
			if strings.Contains(line, p) {
				out = append(out, line)
				break
			}
		}
	}
	if len(out) > max {
		out = append([]string{fmt.Sprintf("[%d lines before]", len(out)-max)}, out[len(out)-max:]...)
	}
	return strings.Join(out, "\n")
}

// waitLog waits until a log line contains every one of parts.
func (b *box) waitLog(d time.Duration, parts ...string) string {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(b.logs(), "\n") {
			if containsAll(line, parts) {
				return line
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("no log line with %q within %v; log:\n%s", parts, d, b.logs())
	return ""
}

// boxID returns the box's call id of the call whose SIP Call-ID is sipID
// (from the "inbound call" log line), or sipID itself when there is none.
func (b *box) boxID(sipID string) string {
	for _, line := range strings.Split(b.logs(), "\n") {
		if strings.Contains(line, "msg=\"inbound call\"") && strings.Contains(line, " call="+sipID+" ") {
			if _, rest, ok := strings.Cut(line, " id="); ok {
				id, _, _ := strings.Cut(rest, " ")
				return id
			}
		}
	}
	return sipID
}

// events returns the log lines of events of kind for call id (any call if
// ""); id may be the box's call id or the SIP Call-ID.
func (b *box) events(kind, callID string) []string {
	if callID != "" {
		callID = b.boxID(callID)
	}
	var out []string
	for _, line := range strings.Split(b.logs(), "\n") {
		if strings.Contains(line, "msg=event") && strings.Contains(line, "event.kind="+kind) &&
			(callID == "" || strings.Contains(line, "event.call="+callID)) {
			out = append(out, line)
		}
	}
	return out
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// stop ends the process with SIGINT, which stops it at once (SIGTERM would drain its calls first; SIGKILL after 10 s) and fails the test
// if it logged a panic.
func (b *box) stop() {
	if b.cmd.Process == nil {
		return
	}
	_ = b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
	_ = b.cmd.Wait()
	if l := b.logs(); strings.Contains(l, "panic") || strings.Contains(l, "DATA RACE") {
		b.t.Errorf("ivrbox log shows a panic:\n%s", l)
	}
	if b.t.Failed() {
		b.t.Logf("ivrbox log:\n%s", b.logs())
	}
}

// rtpBlocks is the last RTP block rtpBlock handed out.
var rtpBlocks atomic.Int32

// rtpBlock returns the first port of a box's RTP range of 200 ports, in
// 10000-27999 (below SIPp's media ports and the ephemeral range): the next
// block after the last one handed out, so that boxes running side by side
// never share one (a port one box just closed could take another box's
// stray media).
func rtpBlock() int {
	rtpBlocks.CompareAndSwap(0, int32(1+rand.IntN(90)))
	return 10000 + 200*int(rtpBlocks.Add(1)%90)
}

// freePorts is the last port freePort handed out, less freeLow.
var freePorts atomic.Int32

// Ports freePort hands out: below the kernel's ephemeral range (32768 up on
// Linux), so that no process's ephemeral bind (a box's media forker takes
// one) can take the port between freePort's check and its use, and out of
// the RTP ranges the tests give (7000 up).
const (
	freeLow  = 1100
	freeSpan = 5900
)

// freePort returns a port free for both UDP and TCP on 127.0.0.1, one this
// test process has not handed out before (until the span wraps).
func freePort(t *testing.T) int {
	t.Helper()
	return freeRun(t, 1)
}

// freeRTPPair returns an even port p such that p and p+1 are free (a box's
// RTP range of one call), neither of them handed out to another test.
func freeRTPPair(t *testing.T) int {
	t.Helper()
	p := freeRun(t, 3) // an even pair lies within any three in a row
	return (p + 1) &^ 1
}

// freeRun reserves n ports in a row, all free for UDP and TCP, and returns
// the first.
func freeRun(t *testing.T, n int) int {
	t.Helper()
	freePorts.CompareAndSwap(0, int32(rand.IntN(freeSpan)))
	for range freeSpan {
		first := int(freePorts.Add(int32(n))-int32(n)+1) % freeSpan
		if first+n > freeSpan {
			continue // the run would wrap
		}
		ok := true
		for i := range n {
			ok = ok && portFree(freeLow+first+i)
		}
		if ok {
			return freeLow + first
		}
	}
	t.Fatal("no free port")
	return 0
}

// browserBlocked are the ports in freePort's span that Chromium refuses
// to load a page from (net::ERR_UNSAFE_PORT; its list of restricted
// ports): a box's web page must not be served on one.
var browserBlocked = map[int]bool{1719: true, 1720: true, 1723: true, 2049: true, 3659: true,
	4045: true, 4190: true, 5060: true, 5061: true, 6000: true, 6566: true, 6665: true,
	6666: true, 6667: true, 6668: true, 6669: true, 6679: true, 6697: true}

// portFree reports whether port can be bound on 127.0.0.1, UDP and TCP,
// and a browser would load a page from it.
func portFree(port int) bool {
	if browserBlocked[port] {
		return false
	}
	u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		return false
	}
	defer u.Close()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// ctxFor returns a context that ends with the test or after d.
func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
