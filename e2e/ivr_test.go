package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestDemoPromptsTwiceThenBye: a call to 6500 hears notice and confirm twice
// (checked by tone), then the box hangs up; every step is an event.
func TestDemoPromptsTwiceThenBye(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 0)
	r := sipp(t, b, "6500", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "udp")
	r.wait(t)
	if got, want := p.heard(), []string{"notice", "confirm", "notice", "confirm"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("heard %v, want %v", got, want)
	}
	id := r.callID(t)
	b.waitLog(5*time.Second, "event.kind=call.ended", "event.call="+b.boxID(id))
	for kind, n := range map[string]int{"call.started": 1, "call.answered": 1, "ivr.entered": 1,
		"prompt.finished": 2, "ivr.left": 1, "call.ended": 1} {
		if got := len(b.events(kind, id)); got != n {
			t.Errorf("%d %s events, want %d", got, kind, n)
		}
	}
	if pts := p.payloadTypes(); pts[8] != 0 || pts[0] < 100 {
		t.Errorf("payload types %v, want only PCMU", pts)
	}
}

// TestBuiltinPromptsSpeak: with no prompt files installed, the built-in
// prompts are played (real audio, not silence).
func TestBuiltinPromptsSpeak(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	p := newPeer(t, 0)
	r := sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "udp")
	r.wait(t)
	p.mu.Lock()
	loud := 0
	for _, f := range p.frames {
		if energy(f.pcm[:]) > 1e5 {
			loud++
		}
	}
	p.mu.Unlock()
	if loud < 25 { // at least half a second of speech
		t.Fatalf("only %d loud frames from the built-in ok prompt", loud)
	}
}

// TestPCMACaller: an A-law-only caller gets A-law audio with the right content.
func TestPCMACaller(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 8)
	r := sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "udp")
	r.wait(t)
	if got := p.heard(); strings.Join(got, ",") != "ok" {
		t.Fatalf("heard %v, want [ok]", got)
	}
	if pts := p.payloadTypes(); pts[0] != 0 || pts[8] < 20 {
		t.Errorf("payload types %v, want only PCMA", pts)
	}
}

// Test6502ByeOverTCP: 6502 says its prompt and the box sends BYE, over TCP.
func Test6502ByeOverTCP(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 0)
	r := sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "tcp")
	r.wait(t)
	if got := p.heard(); strings.Join(got, ",") != "ok" {
		t.Fatalf("heard %v, want [ok]", got)
	}
	b.waitLog(5*time.Second, "event.kind=call.ended", "event.cause=normal")
}

// TestLateOffer: an INVITE without SDP gets our offer in the 200 and the
// answer from the ACK.
func TestLateOffer(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 0)
	r := sipp(t, b, "6502", new(scenario).invite(true).answered(true).awaitBye(20*time.Second), p, "udp")
	r.wait(t)
	if got := p.heard(); strings.Join(got, ",") != "ok" {
		t.Fatalf("heard %v, want [ok]", got)
	}
}

// TestUnknownNumber404: a number no IVR answers gets 404.
func TestUnknownNumber404(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	sc := new(scenario).invite(false).refused(404)
	sipp(t, b, "9999", sc, nil, "udp").wait(t)
}

// TestNoCommonCodec488: an offer with only G.729 gets 488.
func TestNoCommonCodec488(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	sc := new(scenario).invite(false).refused(488)
	r := sipp(t, b, "6500", sc, nil, "udp", 18)
	r.wait(t)
}

// TestCancelBeforeAnswer: CANCEL while the IVR rings gets 200 and 487.
func TestCancelBeforeAnswer(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{config: ringingConfig})
	sc := new(scenario).invite(false).recv(`response="100" optional="true"`).recv(`response="180"`)
	sc.send(`CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
To: <sip:[service]@[remote_ip]:[remote_port]>
[last_Call-ID:]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0
`, "").recv(`response="200"`).recv(`response="487"`).ackFailure()
	r := sipp(t, b, "6500", sc, nil, "udp")
	r.wait(t)
	b.waitLog(5*time.Second, "event.kind=call.ended", "event.cause=cancel")
}

// ringingConfig is the demo flow with 6500 ringing 5 s before answering.
const ringingConfig = `{"version": 2, "system": {"name": "ring"}, "ivrs": [
 {"number": "6500", "ring": 5, "prompts": ["notice"], "timeout": {"type": "hangup"}}]}`
