package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fleetConfig answers 6500 with the "notice" tone for long enough that only
// the caller, or a drain, ends the call.
const fleetConfig = `{"version": 2, "system": {"name": "fleet"}, "ivrs": [
 {"number": "6500", "prompts": ["notice"], "repeat": 60, "timeout": {"type": "hangup"}}]}`

// fleetCall is one call placed through the proxy.
type fleetCall struct {
	r     *sippRun
	p     *peer
	sipID string
	box   *box // the box that took it
}

// placeVia starts n calls through k, each with its own media peer and the
// scenario made by sc.
func placeVia(t *testing.T, k *kamailio, n int, sc func() *scenario) []*fleetCall {
	t.Helper()
	calls := make([]*fleetCall, n)
	for i := range calls {
		p := newPeer(t, 0)
		calls[i] = &fleetCall{p: p, r: sippVia(t, k.addr, "6500", sc(), p)}
	}
	return calls
}

// shortCall is answered, lasts a little over a second (media flowing), and
// is hung up by the caller; ACK and BYE go through the proxy.
func shortCall() *scenario {
	return new(scenario).invite(false).answeredVia().pause(1200 * time.Millisecond).byeVia()
}

// settle waits for the calls, finds the box of each (its "inbound call" log
// line), and checks the call heard its prompt from that box's address, as
// its SDP said, and that ACK and BYE passed the proxy.
func settle(t *testing.T, k *kamailio, calls []*fleetCall, boxes ...*box) {
	t.Helper()
	for _, c := range calls {
		c.r.wait(t)
		c.sipID = c.r.callID(t)
		for _, b := range boxes {
			if b.boxID(c.sipID) != c.sipID {
				c.box = b
			}
		}
		if c.box == nil {
			t.Fatalf("call %s reached no box", c.sipID)
		}
		c.p.mu.Lock()
		src := c.p.boxAddr
		c.p.mu.Unlock()
		if src.Addr().String() != c.box.sipIP {
			t.Errorf("call %s on %s: RTP came from %v", c.sipID, c.box.sipIP, src)
		}
		if !slices.Contains(c.p.heard(), "notice") {
			t.Errorf("call %s on %s: heard %v, want the notice tone", c.sipID, c.box.sipIP, c.p.heard())
		}
		msgs, _ := os.ReadFile(c.r.msgF)
		if !strings.Contains(string(msgs), "c=IN IP4 "+c.box.sipIP) {
			t.Errorf("call %s: the answer's SDP does not name %s", c.sipID, c.box.sipIP)
		}
		for _, m := range []string{"ACK", "BYE"} {
			if k.waitCount(5*time.Second, 0, "in-dialog "+m, c.sipID) == 0 {
				t.Errorf("call %s: no %s through the proxy", c.sipID, m)
			}
		}
		c.p.close()
	}
}

// perBox counts the calls each box took.
func perBox(calls []*fleetCall) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		out[c.box.sipIP]++
	}
	return out
}

// Two boxes behind Kamailio's dispatcher (the documented kamailio.cfg):
// calls spread over both and are answered, in-dialog requests pass the
// proxy, media flows straight from each box's own address; a drained box
// is taken out by the OPTIONS probes, new calls go to the other, its call
// in progress is hung up cleanly after the grace period; back in service it
// takes calls again. Every call id is distinct.
func TestScaleOutBehindKamailio(t *testing.T) {
	t.Parallel()
	a := startBox(t, boxOpts{config: fleetConfig, tones: true, sipIP: "127.0.0.11"})
	b := startBox(t, boxOpts{config: fleetConfig, tones: true, sipIP: "127.0.0.12"})
	k := startKamailio(t, fmt.Sprintf("127.0.0.10:%d", freePort(t)), a, b)
	var all []*fleetCall

	spread := placeVia(t, k, 4, shortCall)
	settle(t, k, spread, a, b)
	if n := perBox(spread); n[a.sipIP] != 2 || n[b.sipIP] != 2 {
		t.Fatalf("4 calls spread %v, want 2 on each box", n)
	}
	all = append(all, spread...)

	// A long call; then its box is drained.
	long := placeVia(t, k, 1, func() *scenario {
		return new(scenario).invite(false).answeredVia().awaitBye(30 * time.Second)
	})[0]
	long.sipID = long.r.callID(t)
	long.p.waitMedia(10 * time.Second) // the box sends RTP from its own address
	long.p.mu.Lock()
	from := long.p.boxAddr.Addr().String()
	long.p.mu.Unlock()
	drained, other := a, b
	if from == b.sipIP {
		drained, other = b, a
	}
	if drained.boxID(long.sipID) == long.sipID {
		t.Fatalf("the long call's RTP comes from %s, which has no such call", from)
	}
	mark := k.mark()
	var st struct {
		Draining bool `json:"draining"`
		Calls    int  `json:"calls"`
	}
	adm := admin(t, drained)
	drainAt := time.Now()
	adm.must("POST", "drain", map[string]int{"grace_seconds": 3}, http.StatusAccepted, &st)
	if !st.Draining || st.Calls != 1 {
		t.Fatalf("POST drain answered %+v, want draining with 1 call", st)
	}
	k.waitLog(5*time.Second, mark, "box out of service", drained.sipIP)
	t.Logf("drained box out of the dispatcher after %v (probes every second)", time.Since(drainAt).Round(time.Millisecond))

	during := placeVia(t, k, 3, shortCall)
	settle(t, k, during, a, b)
	if n := perBox(during); n[other.sipIP] != 3 {
		t.Fatalf("calls while %s drained went %v, want all 3 on %s", drained.sipIP, n, other.sipIP)
	}
	all = append(all, during...)
	long.r.wait(t) // the drained box hung it up (BYE through the proxy, answered)
	long.box = drained
	if k.waitCount(5*time.Second, mark, "in-dialog BYE", long.sipID) == 0 {
		t.Error("the drained box's BYE did not pass the proxy")
	}
	// SIPp is done once it answered the BYE, maybe before the box saw the 200.
	ended := drained.waitLog(10*time.Second, "event.kind=call.ended", "event.call="+drained.boxID(long.sipID)+" ")
	if !strings.Contains(ended, "event.cause=drain") {
		t.Errorf("the drained call's end: %q, want cause drain", ended)
	}

	mark = k.mark()
	undrainAt := time.Now()
	cmd := exec.Command(ivrboxBin(t), "fleet", "undrain", "-box", fmt.Sprintf("http://127.0.0.1:%d", drained.httpPort))
	cmd.Env = append(os.Environ(), "IVRBOX_TOKEN="+adm.token)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "in service, 0 calls") {
		t.Fatalf("ivrbox fleet undrain: %v: %s", err, out)
	}
	if adm.must("GET", "drain", nil, http.StatusOK, &st); st.Draining {
		t.Fatal("undrain left the box draining")
	}
	k.waitLog(5*time.Second, mark, "box in service", drained.sipIP)
	t.Logf("box back in the dispatcher after %v", time.Since(undrainAt).Round(time.Millisecond))
	back := placeVia(t, k, 2, shortCall)
	settle(t, k, back, a, b)
	if n := perBox(back); n[a.sipIP] != 1 || n[b.sipIP] != 1 {
		t.Fatalf("2 calls after the drain went %v, want 1 on each box", n)
	}
	all = append(all, back...)

	ids := map[string]bool{}
	for _, c := range append(all, long) {
		id := c.box.boxID(c.sipID)
		if ids[id] {
			t.Fatalf("call id %s handed out twice", id)
		}
		ids[id] = true
	}
}

// On SIGTERM a box drains: a new call gets 503 with Retry-After while the
// call in progress goes on for the grace period (system.drain_seconds);
// then the box hangs it up and waits for the BYE's 200, retransmitting the
// BYE the caller did not answer, and only then exits.
func TestDrainOnSIGTERM(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(fleetConfig, `"name": "fleet"`, `"name": "fleet", "drain_seconds": 2`, 1)
	b := startBox(t, boxOpts{config: cfg, tones: true, sipIP: "127.0.0.13"})
	p := newPeer(t, 0)
	// The BYE is answered only after 1.2 s: the box must send it again
	// meanwhile (at 0.5 s and 1.5 s; SIPp logs the copies and absorbs them).
	sc := new(scenario).invite(false).answered(false)
	sc.recv(`request="BYE" timeout="20000"`).pause(1200 * time.Millisecond)
	r := sipp(t, b, "6500", sc.okLast(), p, "udp")
	p.waitMedia(10 * time.Second)
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	b.waitLog(5*time.Second, "draining: new calls and OPTIONS probes get 503")
	refused := sipp(t, b, "6500", new(scenario).invite(false).refused(503), newPeer(t, 0), "udp")
	refused.wait(t)
	if msgs, _ := os.ReadFile(refused.msgF); !strings.Contains(string(msgs), "Retry-After:") {
		t.Error("the 503 has no Retry-After")
	}
	select {
	case <-b.exited:
		t.Fatal("the box exited before its call ended")
	default:
	}
	r.wait(t)
	if msgs, _ := os.ReadFile(r.msgF); strings.Count(string(msgs), "\nBYE sip:") < 2 {
		t.Errorf("the box sent its BYE once, without retransmitting it:\n%s", msgs)
	}
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the box did not exit after its last call")
	}
	if ended := b.events("call.ended", r.callID(t)); len(ended) != 1 || !strings.Contains(ended[0], "event.cause=shutdown") {
		t.Errorf("call end: %q, want cause shutdown", ended)
	}
}

// A box told its external media address names it in SDP to a peer outside
// its local networks, and its own address to one inside them.
func TestExternalMediaAddress(t *testing.T) {
	t.Parallel()
	const external = `{"version": 2, "system": {"name": "nat", "network": {"external_media_address": "198.51.100.20",
  "local_nets": [%q]}}, "ivrs": [{"number": "6500", "prompts": ["notice"], "repeat": 60, "timeout": {"type": "hangup"}}]}`
	for _, tt := range []struct {
		localNet, want string
	}{{"10.0.0.0/8", "198.51.100.20"}, {"127.0.0.0/8", "127.0.0.14"}} {
		b := startBox(t, boxOpts{config: fmt.Sprintf(external, tt.localNet), tones: true, sipIP: "127.0.0.14"})
		p := newPeer(t, 0)
		r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(300*time.Millisecond).bye(), p, "udp")
		r.wait(t)
		msgs, _ := os.ReadFile(r.msgF)
		if !strings.Contains(string(msgs), "c=IN IP4 "+tt.want+"\r\n") {
			t.Errorf("local_nets %s: the answer's SDP does not name %s:\n%s", tt.localNet, tt.want, msgs)
		}
		b.stop()
	}
}
