package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The RFC 4475 and RFC 5118 torture messages (testdata/torture, see its
// README) sent to the running box over UDP and TCP, each expecting the
// answer its RFC names.

// anyOK is "handled as a valid request": a final answer that is not a
// complaint about the message (the box may not serve the target: 404, 481,
// 405 and the like are fine).
const anyOK = "ok"

// tortureWant maps each message to the answers the RFC allows ("none": a
// response, or one over a stream that never ends: no answer).
var tortureWant = map[string][]string{
	// RFC 4475 3.1.1: valid messages.
	"wsinv": {anyOK}, "intmeth": {"501"}, "esc01": {anyOK}, "escnull": {anyOK},
	"esc02": {"501", "405"}, "lwsdisp": {anyOK}, "longreq": {anyOK}, "dblreq": {anyOK},
	"semiuri": {anyOK}, "transports": {anyOK}, "mpart01": {anyOK}, "unreason": {"none"},
	"noreason": {"none"},
	// 3.1.2: invalid messages. "ok" where the RFC lets an element be liberal.
	"badinv01": {"400"}, "clerr": {"400"}, "scalar02": {"400"}, "scalarlg": {"none"},
	"quotbal": {"400"}, "ltgtruri": {"400"}, "lwsruri": {"400"}, "lwsstart": {"400"},
	"trws": {"400"}, "escruri": {"400", anyOK}, "baddate": {"400", anyOK}, "regbadct": {"400"},
	"badaspec": {"400", anyOK}, "baddn": {"400", anyOK}, "badvers": {"505"},
	"mismatch01": {"400"}, "mismatch02": {"400", "501"}, "bigcode": {"none"}, "ncl": {"400"},
	// 3.2 transaction layer, 3.4 backward compatibility.
	"badbranch": {anyOK}, "inv2543": {anyOK},
	// 3.3: application layer semantics.
	"insuf": {"400"}, "unkscm": {"416"}, "novelsc": {"416"}, "unksm2": {"400", "416"},
	"bext01": {"420"}, "invut": {"415"}, "regaut01": {"401", "403"}, "multi01": {"400"},
	"mcl01": {"400"}, "bcast": {"none"}, "zeromf": {anyOK, "483"}, "cparam01": {anyOK},
	"cparam02": {anyOK}, "regescrt": {anyOK}, "sdp01": {"406"},
	// RFC 5118 section 4 (IPv6).
	"ipv6-good": {anyOK}, "ipv6-bad": {"400"}, "port-ambiguous": {anyOK}, "port-unambiguous": {anyOK},
	"via-received-param-with-delim": {anyOK}, "via-received-param-no-delim": {anyOK},
	"ipv6-in-sdp": {anyOK}, "mult-ip-in-header": {anyOK}, "mult-ip-in-sdp": {anyOK},
	"ipv4-mapped-ipv6": {anyOK}, "ipv6-reference-bug": {anyOK},
}

// tortureTCPWant overrides tortureWant over TCP: a Content-Length larger
// than what follows means the message has not ended yet (RFC 4475
// section 3.1.2.2): nothing to answer while the connection stays open.
var tortureTCPWant = map[string][]string{"clerr": {"none"}}

// TestTortureMessages sends every torture message over UDP and TCP and
// scores the answers: at least 95 % as the RFCs name, none unanswered
// that wants an answer, and the box answering OPTIONS after each.
func TestTortureMessages(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	msgs := tortureMessages(t)
	total, good := 0, 0
	var bad []string
	for _, transport := range []string{"udp", "tcp"} {
		for _, m := range msgs {
			want := tortureWant[m.name]
			if w, ok := tortureTCPWant[m.name]; ok && transport == "tcp" {
				want = w
			}
			if want == nil {
				t.Fatalf("%s: no expected answer in the table", m.name)
			}
			got := tortureSend(t, b, transport, m.data)
			total++
			if answerMatches(got, want) {
				good++
			} else {
				bad = append(bad, fmt.Sprintf("%s/%s: got %s, want %v", transport, m.name, got, want))
			}
		}
	}
	score := 100 * float64(good) / float64(total)
	t.Logf("torture conformance: %d of %d (%.1f %%)", good, total, score)
	for _, s := range bad {
		t.Log(s)
	}
	if os.Getenv("TORTURE_LOG") != "" {
		t.Log(b.logs())
	}
	if score < 95 {
		t.Errorf("torture conformance %.1f %% < 95 %%", score)
	}
	if strings.Contains(b.logs(), "level=ERROR") && strings.Contains(b.logs(), "failed to parse") {
		t.Error("a parse failure was logged at ERROR")
	}
}

// tortureMsg is one message file.
type tortureMsg struct {
	name string
	data []byte
}

func tortureMessages(t *testing.T) []tortureMsg {
	t.Helper()
	var out []tortureMsg
	for _, dir := range []string{"rfc4475", "rfc5118"} {
		files, err := filepath.Glob(filepath.Join("testdata", "torture", dir, "*.dat"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no torture messages in %s: %v", dir, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, tortureMsg{strings.TrimSuffix(filepath.Base(f), ".dat"), data})
		}
	}
	return out
}

// answerMatches reports whether an answer ("none" or a status code) is one
// of want.
func answerMatches(got string, want []string) bool {
	for _, w := range want {
		if w == got {
			return true
		}
		if w == anyOK && got != "none" && got != "400" && got[0] >= '2' && got[0] <= '4' {
			return true
		}
	}
	return false
}

// tortureSend sends one message and returns the final status of the first
// answer to it, or "none" when the box answered a probe OPTIONS sent after
// it but not the message. The box failing to answer the probe fails the
// test (a hang).
func tortureSend(t *testing.T, b *box, transport string, msg []byte) string {
	t.Helper()
	box := fmt.Sprintf("127.0.0.1:%d", b.sipPort)
	var c net.Conn
	var err error
	if transport == "udp" {
		c, err = net.Dial("udp", box)
	} else {
		c, err = net.Dial("tcp", box)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort()
	if transport == "udp" {
		msg = viaPort(msg, int(local.Port())) // answers go to the top Via's port
	}
	cids := headerValues(msg, "call-id", "i") // multi01 has two
	if len(cids) == 0 {
		cids = []string{""} // insuf has none: nor has its answer
	}
	probe := probeOptions(transport, local.String(), box)
	replies := make(chan sipReply, 16)
	go readReplies(c, transport, replies)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	probed, trying := false, false
	for {
		select {
		case r, ok := <-replies:
			switch {
			case !ok:
				return "none"
			case slices.Contains(cids, r.callID) && r.code >= 200:
				return strconv.Itoa(r.code)
			case slices.Contains(cids, r.callID):
				trying = true // a final answer is coming
			case r.callID == "torture-probe" && r.code >= 200 && !trying:
				return "none"
			}
		case <-time.After(time.Second): // quiet: ask the probe whether the box is past it
			if !probed {
				probed = true
				if _, err := c.Write(probe); err != nil && transport == "udp" {
					t.Fatal(err)
				}
			}
		case <-deadline:
			if transport == "tcp" {
				return "none" // the box may wait for the rest of a message
			}
			t.Fatalf("the box answered neither the message nor the probe:\n%s", msg)
		}
	}
}

// sipReply is one response read back.
type sipReply struct {
	code   int
	callID string
}

// readReplies reads responses from c until it closes.
func readReplies(c net.Conn, transport string, out chan<- sipReply) {
	defer close(out)
	if transport == "udp" {
		buf := make([]byte, 65535)
		for {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if r, ok := parseReply(buf[:n]); ok {
				out <- r
			}
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for {
		head, err := readHead(br)
		if err != nil {
			return
		}
		if n, _ := strconv.Atoi(headerValue(head, "content-length", "l")); n > 0 {
			if _, err := io.CopyN(io.Discard, br, int64(n)); err != nil {
				return
			}
		}
		if r, ok := parseReply(head); ok {
			out <- r
		}
	}
}

// readHead reads up to a blank line (skipping keep-alive CRLFs).
func readHead(br *bufio.Reader) ([]byte, error) {
	var head []byte
	for {
		line, err := br.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if len(head) == 0 {
				continue
			}
			return head, nil
		}
		head = append(head, line...)
	}
}

var statusLine = regexp.MustCompile(`^SIP/2\.0 (\d{3}) `)

// parseReply reads the status and Call-ID of a response.
func parseReply(msg []byte) (sipReply, bool) {
	m := statusLine.FindSubmatch(msg)
	if m == nil {
		return sipReply{}, false
	}
	code, _ := strconv.Atoi(string(m[1]))
	return sipReply{code: code, callID: headerValue(msg, "call-id", "i")}, true
}

// headerValue returns the first value of a header (long or compact name).
func headerValue(msg []byte, long, short string) string {
	if vs := headerValues(msg, long, short); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// headerValues returns every value of a header in a message's head.
func headerValues(msg []byte, long, short string) []string {
	head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	var out []string
	for _, l := range strings.Split(string(head), "\n") {
		name, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name == long || name == short {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

var topVia = regexp.MustCompile(`(?im)^(v|via)[ \t]*:[ \t]*(SIP[ \t]*/[ \t]*[\d.]+[ \t]*/[ \t]*\w+)[ \t]+(\[[^\]]*\]|[^\s:;,]+)(:\d+)?`)

// viaPort sets the port of the top Via's sent-by to port (the host stays),
// so that the box's UDP answer reaches the test.
func viaPort(msg []byte, port int) []byte {
	loc := topVia.FindSubmatchIndex(msg)
	if loc == nil {
		return msg
	}
	var out []byte
	out = append(out, msg[:loc[7]]...)
	out = append(out, fmt.Sprintf(":%d", port)...)
	end := loc[7]
	if loc[8] >= 0 {
		end = loc[9]
	}
	return append(out, msg[end:]...)
}

// probeOptions is an OPTIONS whose answer shows the box got past what was
// sent before it.
func probeOptions(transport, local, box string) []byte {
	return []byte(fmt.Sprintf("OPTIONS sip:probe@%s SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=z9hG4bK-probe%d;rport\r\n"+
		"From: <sip:probe@%s>;tag=p1\r\nTo: <sip:probe@%s>\r\nCall-ID: torture-probe\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", box, strings.ToUpper(transport), local, time.Now().UnixNano(), local, box))
}
