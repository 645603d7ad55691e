package e2e

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/dtmf"
	"github.com/ivrbox/ivrbox/media/g711"
)

// TestHoldUnhold: a re-INVITE with a=sendonly stops the box's audio, and one
// with a=sendrecv brings it back.
func TestHoldUnhold(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 0)
	sc := new(scenario).invite(false).answered(false).pause(500 * time.Millisecond).
		reinvite("sendonly").pause(1200 * time.Millisecond).reinvite("sendrecv").pause(time.Second).bye()
	r := sipp(t, b, "6500", sc, p, "udp")
	r.wait(t)
	p.mu.Lock()
	defer p.mu.Unlock()
	var gap time.Duration
	gapEnd := 0
	for i := 1; i < len(p.frames); i++ {
		if d := p.frames[i].at.Sub(p.frames[i-1].at); d > gap {
			gap, gapEnd = d, i
		}
	}
	if gap < 800*time.Millisecond {
		t.Fatalf("longest pause in the box's audio %v: hold did not stop it", gap)
	}
	if after := len(p.frames) - gapEnd; after < 25 {
		t.Fatalf("only %d frames after unhold", after)
	}
	_ = b
}

// TestStrangerRTPIgnored: RTP from another address — audio with an in-band
// key, and RFC 4733 events — is dropped: no digit, the call goes on.
// Both DTMF modes: with telephone-event offered (RFC 4733 listened to) and
// without (in-band detection on).
func TestStrangerRTPIgnored(t *testing.T) {
	for _, mode := range []string{"rfc4733", "inband"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			strangerCall(t, &scenario{noEvents: mode == "inband"})
		})
	}
}

func strangerCall(t *testing.T, sc *scenario) {
	b := startBox(t, boxOpts{tones: true})
	p := newPeer(t, 0)
	r := sipp(t, b, "6500", sc.invite(false).answered(false).awaitBye(20*time.Second), p, "udp")
	p.waitMedia(5 * time.Second)
	time.Sleep(300 * time.Millisecond) // the box has learned the peer by now
	p.mu.Lock()
	target := p.boxAddr
	p.mu.Unlock()
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	tone := dtmf.Tone('9', 200, 0.3)
	payload := make([]byte, 160)
	ev := make([]byte, 4)
	for i := 0; i < 10; i++ {
		g711.EncodeULaw(payload, tone[i%10*160:i%10*160+160])
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i), Timestamp: uint32(160 * i), SSRC: 7}, Payload: payload}
		raw, _ := pkt.Marshal()
		_, _ = stranger.WriteToUDPAddrPort(raw, target)
		_, _ = (dtmf.Event{Key: '9', End: i > 6, Duration: uint16(160 * i)}).MarshalTo(ev)
		pkt = rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: uint16(100 + i), Timestamp: 999, SSRC: 8}, Payload: ev}
		raw, _ = pkt.Marshal()
		_, _ = stranger.WriteToUDPAddrPort(raw, target)
		_, _ = stranger.WriteToUDPAddrPort([]byte("garbage"), target)
		time.Sleep(20 * time.Millisecond)
	}
	r.wait(t)
	if d := b.events("dtmf.digit", ""); len(d) != 0 {
		t.Fatalf("stranger's keys were taken: %q", d)
	}
	if got := strings.Join(p.heard(), ","); got != "notice,confirm,notice,confirm" {
		t.Fatalf("heard %s", got)
	}
}

// TestMalformedSDP400: an INVITE whose body is not SDP gets 400, and the box
// serves the next call.
func TestMalformedSDP400(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	sc := new(scenario)
	sc.send(inviteHead+"Content-Type: application/sdp\nContent-Length: [len]\n\nv=0\nthis is not SDP at all\nm=audio x\n", `retrans="500"`).
		refused(400)
	sipp(t, b, "6500", sc, nil, "udp").wait(t)
	p := newPeer(t, 0)
	sipp(t, b, "6502", new(scenario).invite(false).answered(false).awaitBye(20*time.Second), p, "udp").wait(t)
	if got := strings.Join(p.heard(), ","); got != "ok" {
		t.Fatalf("next call heard %s", got)
	}
}

// TestCallLimit486: past max_calls, a new call gets 486 Busy Here.
func TestCallLimit486(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: limitConfig})
	p := newPeer(t, 0)
	first := sipp(t, b, "6500", new(scenario).invite(false).answered(false).pause(3*time.Second).bye(), p, "udp")
	p.waitMedia(5 * time.Second)
	sc := new(scenario).invite(false).refused(486)
	sipp(t, b, "6500", sc, nil, "udp").wait(t)
	first.wait(t)
}

const limitConfig = `{"version": 2, "system": {"name": "limit", "max_calls": 1}, "ivrs": [
 {"number": "6500", "prompts": ["notice"], "repeat": 10, "timeout": {"type": "hangup"}}]}`
