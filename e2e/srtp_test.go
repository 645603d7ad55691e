package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pion/srtp/v3"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/tone"
)

// peerSRTP is a test caller's SRTP: enc with the caller's key (the one in
// its SDP, or a wrong one), dec with the box's key once its answer is read.
// Guarded by the peer's mu.
type peerSRTP struct {
	enc, dec *srtp.Context
}

// open decrypts a packet from the box; ok is false until the box's key is
// known or when the packet does not authenticate.
func (s *peerSRTP) open(b []byte) ([]byte, bool) {
	if s == nil {
		return b, true
	}
	if s.dec == nil {
		return nil, false
	}
	out, err := s.dec.DecryptRTP(nil, b, nil)
	return out, err == nil
}

// seal encrypts a packet to the box.
func (s *peerSRTP) seal(b []byte) []byte {
	if s == nil {
		return b
	}
	out, err := s.enc.EncryptRTP(nil, b, nil)
	if err != nil {
		return nil
	}
	return out
}

// newKey is a random SRTP master key||salt in base64.
func newKey(t *testing.T) string {
	k := make([]byte, 30)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

// srtpContext makes a context for an AES_CM_128_HMAC_SHA1_80 key.
func srtpContext(t *testing.T, key string) *srtp.Context {
	t.Helper()
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := srtp.CreateContext(k[:16], k[16:], srtp.ProtectionProfileAes128CmHmacSha1_80, srtp.SRTPReplayProtection(64))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// srtpCaller makes the peer an SRTP caller: its SDP offers RTP/SAVP with
// key, and it sends with sendKey (key, or a wrong one).
func srtpCaller(t *testing.T, p *peer, sc *scenario, key, sendKey string) {
	sc.profile = "RTP/SAVP"
	sc.media = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "\n"
	p.mu.Lock()
	p.sec = &peerSRTP{enc: srtpContext(t, sendKey)}
	p.mu.Unlock()
}

var cryptoLine = regexp.MustCompile(`a=crypto:(\d+) (AES_CM_128_HMAC_SHA1_\d+) inline:([A-Za-z0-9+/=]+)`)

// boxKey waits for the box's answer in SIPp's message log and gives the
// peer the key it carries (the a=crypto line that is not the caller's).
func boxKey(t *testing.T, r *sippRun, p *peer, callerKey string) string {
	t.Helper()
	return boxKeyIn(t, r.msgF, p, callerKey)
}

// boxKeyIn is boxKey on a SIPp message log: the box's answer, or its
// offer (whose first key has tag 1, AES_CM_128_HMAC_SHA1_80).
func boxKeyIn(t *testing.T, msgF string, p *peer, callerKey string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		msgs, _ := os.ReadFile(msgF)
		for _, m := range cryptoLine.FindAllStringSubmatch(string(msgs), -1) {
			if m[3] != callerKey {
				if m[2] != "AES_CM_128_HMAC_SHA1_80" || m[1] != "1" {
					t.Fatalf("box answered %s", m[0][:30])
				}
				p.mu.Lock()
				p.sec.dec = srtpContext(t, m[3])
				p.mu.Unlock()
				return m[3]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no a=crypto in the box's answer")
	return ""
}

// srtpConfig is mediaConfig with media encryption for calls to the box.
func srtpConfig(policy string) string {
	return strings.Replace(mediaConfig("stereo", 5, 0), `"system": {"name": "media",`,
		`"system": {"name": "media", "media_encryption": "`+policy+`",`, 1)
}

// heardTone reports whether the peer received (and decrypted) the tone.
func (p *peer) heardTone(freq float64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, f := range p.frames {
		if tone.Power(f.pcm[:], freq) > 0.05 {
			n++
		}
	}
	return n >= 25 // half a second of it
}

// TestSRTPCall: with SRTP required, a caller offering RTP/SAVP gets an
// SRTP answer; it hears the IVR's 440 Hz prompt through decryption, and
// the call's stereo recording holds the caller's 1 kHz (decrypted by the
// box) and the prompt. The box's log never shows either key.
func TestSRTPCall(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, prompts: mediaPrompts, config: srtpConfig("required")})
	c := admin(t, b)
	p := newPeer(t, 0)
	p.loopTone(callerHz)
	key := newKey(t)
	sc := new(scenario)
	srtpCaller(t, p, sc, key, key)
	r := sipp(t, b, "7100", sc.invite(false).answered(false).pause(5*time.Second).bye(), p, "udp")
	boxK := boxKey(t, r, p, key)
	id := c.liveCall(5 * time.Second)
	r.wait(t)
	if !p.heardTone(boxHz) {
		t.Error("the caller did not hear the prompt through SRTP")
	}
	files := c.recordingFiles(id, 1)
	w := readWAV(t, filepath.Join(b.dir, "recordings", files["stereo"][0]))
	if got := tones(w.channel(0)); got != "1000" {
		t.Errorf("recorded caller channel holds %q, want 1000 (decrypted)", got)
	}
	if got := tones(w.channel(1)); got != "440" {
		t.Errorf("recorded box channel holds %q, want 440", got)
	}
	b.waitLog(5*time.Second, "media encrypted", "srtp=AES_CM_128_HMAC_SHA1_80")
	if logs := b.logs(); strings.Contains(logs, key[:20]) || strings.Contains(logs, boxK[:20]) {
		t.Error("the box logged an SRTP key")
	}
}

// keysConfig has IVR 7300, whose key 1 goes to 6502, and SRTP required.
var keysConfig = fmt.Sprintf(`{"version": %d, "system": {"media_encryption": "required"},
 "ivrs": [
  {"number": "7300", "prompts": ["notice", "confirm"], "repeat": 5, "wait": 1,
   "keys": {"1": {"type": "ivr", "target": "6502"}}},
  {"number": "6502", "prompts": ["password"], "repeat": 3, "wait": 1}]}`, config.SchemaVersion)

// TestSRTPKeys: RFC 4733 keys sent over SRTP work: 1 during 7300's
// prompts moves the call to 6502.
func TestSRTPKeys(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: keysConfig})
	p := newPeer(t, 0)
	key := newKey(t)
	sc := new(scenario)
	srtpCaller(t, p, sc, key, key)
	r := sipp(t, b, "7300", sc.invite(false).answered(false).pause(4*time.Second).bye(), p, "udp")
	boxKey(t, r, p, key)
	p.waitHeard(5*time.Second, "confirm")
	p.rfc4733('1')
	p.waitHeard(5*time.Second, "password")
	r.wait(t)
	if d := b.events("dtmf.digit", r.callID(t)); len(d) != 1 || !strings.Contains(d[0], "event.digit=1") {
		t.Fatalf("digit events %q", d)
	}
}

// TestSRTPWrongKey: a caller that encrypts with another key than it
// offered is never heard: its channel of the recording is silence, not
// noise; the box keeps serving (the next call, plain, is refused with 488
// because SRTP is required, and one with the right key is answered).
func TestSRTPWrongKey(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, prompts: mediaPrompts, config: srtpConfig("required")})
	c := admin(t, b)
	p := newPeer(t, 0)
	p.loopTone(callerHz)
	key := newKey(t)
	sc := new(scenario)
	srtpCaller(t, p, sc, key, newKey(t))
	r := sipp(t, b, "7100", sc.invite(false).answered(false).pause(4*time.Second).bye(), p, "udp")
	boxKey(t, r, p, key)
	id := c.liveCall(5 * time.Second)
	r.wait(t)
	if !p.heardTone(boxHz) {
		t.Error("the caller did not hear the prompt")
	}
	w := readWAV(t, filepath.Join(b.dir, "recordings", c.recordingFiles(id, 1)["stereo"][0]))
	in := w.channel(0)
	if e := energy(in); e > 10 {
		t.Errorf("caller channel energy %.1f: want silence for a wrong key", e)
	}
	if got := tones(w.channel(1)); got != "440" {
		t.Errorf("box channel holds %q", got)
	}

	// Plain RTP is refused with 488 while SRTP is required.
	plain := sipp(t, b, "7100", new(scenario).invite(false).refused(488), nil, "udp")
	plain.wait(t)
	b.waitLog(5*time.Second, "call refused", "status=488", "media encryption is required")

	// And the box still answers an SRTP call with the right key.
	p2 := newPeer(t, 0)
	sc2 := new(scenario)
	key2 := newKey(t)
	srtpCaller(t, p2, sc2, key2, key2)
	r2 := sipp(t, b, "6502", sc2.invite(false).answered(false).pause(2*time.Second).bye(), p2, "udp")
	boxKey(t, r2, p2, key2)
	p2.waitHeard(5*time.Second, "ok")
	r2.wait(t)
}

// uasSecureAnswer is uasAnswer answering with SDP media: the profile and
// more lines (a=crypto), or plain RTP/AVP for "".
func uasSecureAnswer(profile, media string) *scenario {
	sdp := uasAnswerSDP
	if profile != "" {
		sdp = strings.Replace(sdp, " RTP/AVP ", " "+profile+" ", 1)
	}
	s := new(scenario)
	s.recv(`request="INVITE"`)
	s.send(uasReply("100 Trying", "", ""), "")
	s.send(uasReply("200 OK", "", sdp+media), `retrans="500"`)
	s.recv(`request="ACK"`)
	return s.awaitBye(30 * time.Second)
}

// srtpTrunkCall sets up a box whose outbound route goes to a SIPp trunk
// with media encryption policy, answering with uas, and places a call
// through it from IVR 6500. It returns the box and the trunk.
func srtpTrunkCall(t *testing.T, policy string, uas *scenario, p *peer) (*box, *trunkSIPp) {
	t.Helper()
	b := startBox(t, boxOpts{tones: true})
	far := sippUAS(t, "127.0.0.2", 0, uas, p, 1)
	tr := peerTrunk("secure", far.addr())
	tr["media_encryption"] = policy
	configure(t, admin(t, b), nil, pbxSetup{
		trunks:   []map[string]any{tr},
		outbound: []map[string]any{outRoute("out", "secure", 0, "10086")},
		accounts: []map[string]any{account("1000", "out")},
	})
	api := newPBX(t, b, "")
	api.mustLogin()
	api.ok("ivr/dial_outbound", map[string]string{"ivrid": "6500", "outto": "10086", "fromext": "1000"})
	return b, far
}

// TestSRTPTrunkRequiredRefusesPlain: a trunk with media encryption
// required gets an RTP/SAVP offer with keys; it answers plain RTP/AVP, so
// the box hangs the leg up (BYE) and the call ends with 488.
func TestSRTPTrunkRequiredRefusesPlain(t *testing.T) {
	t.Parallel()
	b, far := srtpTrunkCall(t, "required", uasSecureAnswer("", ""), nil)
	far.wait(t, 20*time.Second)
	b.waitLog(10*time.Second, "outbound call failed", "status=488", "plain RTP answer and media encryption is required")
	msgs, _ := os.ReadFile(far.msgF)
	if !strings.Contains(string(msgs), "RTP/SAVP 0 8 101") || len(cryptoLine.FindAllString(string(msgs), -1)) != 2 {
		t.Errorf("the box's offer is not RTP/SAVP with two keys:\n%s", msgs)
	}
	b.waitLog(5*time.Second, "event.kind=call.ended", "event.status=488")
}

// TestSRTPTrunkCall: a trunk with media encryption optional answers the
// box's offer with its own key: the call is SRTP both ways, and the far
// end hears 6500's prompts through decryption.
func TestSRTPTrunkCall(t *testing.T) {
	t.Parallel()
	p := newPeer(t, 0)
	key := newKey(t)
	p.mu.Lock()
	p.sec = &peerSRTP{enc: srtpContext(t, key)}
	p.mu.Unlock()
	b, far := srtpTrunkCall(t, "optional", uasSecureAnswer("RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+key+"\n"), p)
	boxKeyIn(t, far.msgF, p, key)
	p.waitHeard(10*time.Second, "notice", "confirm")
	b.waitLog(5*time.Second, "media encrypted", "srtp=AES_CM_128_HMAC_SHA1_80")
	far.wait(t, 30*time.Second)
}
