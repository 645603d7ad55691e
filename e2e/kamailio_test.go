package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// kamailioCfg is the proxy configuration docs/SCALE-OUT.md documents: the
// test runs that very file.
const kamailioCfg = "../board/kamailio/kamailio.cfg"

// kamailio is one Kamailio process in front of boxes.
type kamailio struct {
	t      *testing.T
	addr   string // ip:port it listens on (UDP)
	cmd    *exec.Cmd
	mu     sync.Mutex
	log    bytes.Buffer
	exited chan struct{}
}

// startKamailio runs Kamailio with kamailioCfg on addr, dispatching to the
// boxes (set 1), probing them every second.
func startKamailio(t *testing.T, addr string, boxes ...*box) *kamailio {
	t.Helper()
	bin := "/usr/sbin/kamailio" // Debian's, when /usr/sbin is not on PATH
	if _, err := os.Stat(bin); err != nil {
		bin = sipptest.NeedTool(t, "kamailio")
	}
	dir := t.TempDir()
	var list strings.Builder
	for _, b := range boxes {
		fmt.Fprintf(&list, "1 sip:%s:%d\n", b.sipIP, b.sipPort)
	}
	dsList := filepath.Join(dir, "dispatcher.list")
	if err := os.WriteFile(dsList, []byte(list.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	k := &kamailio{t: t, addr: addr, exited: make(chan struct{})}
	k.cmd = exec.Command(bin, "-f", kamailioCfg, "-DD", "-E", "-l", "udp:"+addr,
		"-A", `DISPATCHER_LIST="`+dsList+`"`, "-A", "PING_INTERVAL=1",
		"-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"), "-w", dir, "-m", "32", "-M", "4")
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its children go with it
	stderr, err := k.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := k.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(k.exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			k.mu.Lock()
			k.log.Write(sc.Bytes())
			k.log.WriteByte('\n')
			k.mu.Unlock()
		}
	}()
	t.Cleanup(k.stop)
	k.waitLog(10*time.Second, 0, "udp_server", "SO_RCVBUF is finally")
	return k
}

func (k *kamailio) logs() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log.String()
}

// mark is the log's length now, for waitLog to look only at what follows.
func (k *kamailio) mark() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log.Len()
}

// waitLog waits until a log line after mark contains every part.
func (k *kamailio) waitLog(d time.Duration, mark int, parts ...string) string {
	k.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(k.logs()[mark:], "\n") {
			if containsAll(line, parts) {
				return line
			}
		}
		select {
		case <-k.exited:
			k.t.Fatalf("kamailio exited:\n%s", k.logs())
		case <-time.After(50 * time.Millisecond):
		}
	}
	k.t.Fatalf("no kamailio log line with %q within %v; log:\n%s", parts, d, k.logs())
	return ""
}

// count is the number of log lines after mark with every part.
// waitCount waits up to d for a line (from mark on) with every one of parts
// and returns how many there are then: a line Kamailio logs before it
// forwards a request may reach this process after the answer did.
func (k *kamailio) waitCount(d time.Duration, mark int, parts ...string) int {
	deadline := time.Now().Add(d)
	for {
		if n := k.count(mark, parts...); n > 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (k *kamailio) count(mark int, parts ...string) int {
	n := 0
	for _, line := range strings.Split(k.logs()[mark:], "\n") {
		if containsAll(line, parts) {
			n++
		}
	}
	return n
}

func (k *kamailio) stop() {
	if k.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-k.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
		<-k.exited
	}
	_ = k.cmd.Wait()
	if k.t.Failed() {
		k.t.Logf("kamailio log:\n%s", k.logs())
	}
}

// sippVia starts SIPp placing one call to number through the proxy at
// addr, with media to the peer p.
func sippVia(t *testing.T, addr, number string, sc *scenario, p *peer) *sippRun {
	t.Helper()
	sipptest.NeedTool(t, "sipp")
	dir := t.TempDir()
	f := filepath.Join(dir, "scenario.xml")
	if err := os.WriteFile(f, []byte(sc.xml()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &sippRun{errF: filepath.Join(dir, "errors.log"), msgF: filepath.Join(dir, "messages.log"), done: make(chan error, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	r.cmd = exec.CommandContext(ctx, "sipp", addr,
		"-sf", f, "-m", "1", "-l", "1", "-s", number, "-t", "u1",
		"-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t)), "-mp", fmt.Sprint(sippMediaPort()),
		"-key", "rtpport", fmt.Sprint(p.port()), "-key", "codec", fmt.Sprint(p.pt), "-key", "caller", "1000",
		"-timeout", "45s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", r.errF, "-trace_msg", "-message_file", r.msgF)
	r.cmd.Dir = dir
	r.cmd.Stdout = &r.out
	r.cmd.Stderr = &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	return r
}

// Scenario steps for a caller behind a proxy: the 200's Record-Route is kept
// (rrs) and every in-dialog request carries it as Route, sent to the proxy.

// answeredVia expects the call answered and ACKs it through the route set.
func (s *scenario) answeredVia() *scenario {
	s.recv(`response="100" optional="true"`).recv(`response="180" optional="true"`).
		recv(`response="183" optional="true"`).recv(`response="200" rrs="true"`)
	return s.send(`ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
[routes]
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
`, "")
}

// byeVia hangs up through the route set and expects 200.
func (s *scenario) byeVia() *scenario {
	s.send(`BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
[routes]
From: "Caller" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0
`, `retrans="500"`)
	return s.recv(`response="200"`)
}

// The configuration docs/SCALE-OUT.md shows is the one the tests run.
func TestScaleOutDocShowsTheTestedConfig(t *testing.T) {
	cfg, err := os.ReadFile(kamailioCfg)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/SCALE-OUT.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, append([]byte("```\n"), append(cfg, "```\n"...)...)) {
		t.Fatal("docs/SCALE-OUT.md does not show board/kamailio/kamailio.cfg as it is: copy it there again")
	}
}
