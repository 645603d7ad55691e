package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/dtmf"
	"github.com/ivrbox/ivrbox/media/g711"
	"github.com/ivrbox/ivrbox/media/tone"
)

// peer is the caller's RTP side: it records what the box sends and sends
// silence, RFC 4733 events or in-band tones back to where the box sends from.
type peer struct {
	t    *testing.T
	conn *net.UDPConn
	pt   uint8 // our audio payload type (0 or 8)

	mu      sync.Mutex
	frames  []frame        // audio received, in order
	events  int            // telephone-event packets received
	boxAddr netip.AddrPort // where the box's RTP comes from
	tonesOn bool           // an in-band key is being sent: no silence meanwhile
	loop    []int16        // sent in a loop instead of silence, when set (loopTone)
	loopAt  int            // next sample of loop
	seq     uint16
	ts      uint32
	ssrc    uint32
	quit    chan struct{}
	wg      sync.WaitGroup
	sec     *peerSRTP // SRTP (srtp_test.go); nil: plain RTP
}

type frame struct {
	at  time.Time
	pt  uint8
	pcm [160]int16
}

func newPeer(t *testing.T, pt uint8) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, conn: c, pt: pt, ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), quit: make(chan struct{})}
	p.wg.Add(2)
	go p.recv()
	go p.sendSilence()
	t.Cleanup(p.close)
	return p
}

func (p *peer) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

func (p *peer) close() {
	select {
	case <-p.quit:
		return
	default:
	}
	close(p.quit)
	p.conn.Close()
	p.wg.Wait()
}

func (p *peer) recv() {
	defer p.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		var pkt rtp.Packet
		p.mu.Lock()
		b, ok := p.sec.open(buf[:n])
		if !ok { // SRTP we cannot decrypt (yet): we still know where the box is
			p.boxAddr = from
		}
		p.mu.Unlock()
		if !ok || pkt.Unmarshal(b) != nil {
			continue
		}
		p.mu.Lock()
		p.boxAddr = from
		switch pkt.PayloadType {
		case 0, 8:
			f := frame{at: time.Now(), pt: pkt.PayloadType}
			if pkt.PayloadType == 0 {
				g711.DecodeULaw(f.pcm[:], pkt.Payload)
			} else {
				g711.DecodeALaw(f.pcm[:], pkt.Payload)
			}
			p.frames = append(p.frames, f)
		default:
			p.events++
		}
		p.mu.Unlock()
	}
}

// sendSilence keeps a 20 ms stream of silence (or of the loop set by
// loopTone) flowing to the box, so it learns our address, except while send
// holds the lock for a digit.
func (p *peer) sendSilence() {
	defer p.wg.Done()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	silence := make([]int16, 160)
	for {
		select {
		case <-p.quit:
			return
		case <-tick.C:
			p.mu.Lock()
			if !p.tonesOn {
				frame := silence
				if len(p.loop) >= 160 {
					if p.loopAt+160 > len(p.loop) {
						p.loopAt = 0
					}
					frame = p.loop[p.loopAt : p.loopAt+160]
					p.loopAt += 160
				}
				p.sendAudioLocked(frame, false)
			}
			p.mu.Unlock()
		}
	}
}

// loopTone makes the caller send a steady tone at freq (0: silence again).
func (p *peer) loopTone(freq float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loop, p.loopAt = nil, 0
	if freq > 0 {
		p.loop = tone.Sine([]float64{freq}, 1000, 0.3) // a whole number of cycles for 1 s
	}
}

// sendAudioLocked sends one 160-sample frame in our codec.
func (p *peer) sendAudioLocked(pcm []int16, marker bool) {
	payload := make([]byte, 160)
	if p.pt == 8 {
		g711.EncodeALaw(payload, pcm)
	} else {
		g711.EncodeULaw(payload, pcm)
	}
	p.writeLocked(p.pt, marker, payload)
}

func (p *peer) writeLocked(pt uint8, marker bool, payload []byte) {
	if !p.boxAddr.IsValid() {
		return
	}
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, Marker: marker,
		SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc}, Payload: payload}
	b, _ := pkt.Marshal()
	b = p.sec.seal(b)
	p.seq++
	if pt == p.pt {
		p.ts += 160
	}
	_, _ = p.conn.WriteToUDPAddrPort(b, p.boxAddr)
}

// waitMedia waits until the box has sent us RTP.
func (p *peer) waitMedia(d time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		ok := p.boxAddr.IsValid()
		p.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.t.Fatal("no RTP from the box")
}

// rfc4733 sends key as RFC 4733 telephone-event (PT 101): 5 packets of
// increasing duration then three end packets, 20 ms apart.
func (p *peer) rfc4733(key byte) {
	p.mu.Lock()
	ts := p.ts
	p.mu.Unlock()
	for i := 1; i <= 8; i++ {
		ev := dtmf.Event{Key: key, Volume: 10, Duration: uint16(160 * min(i, 5)), End: i > 5}
		buf := make([]byte, 4)
		if _, err := ev.MarshalTo(buf); err != nil {
			p.t.Fatal(err)
		}
		p.mu.Lock()
		saved := p.ts
		p.ts = ts
		p.writeLocked(101, i == 1, buf)
		p.ts = saved
		p.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
}

// inband sends key as a 100 ms DTMF tone in the audio stream.
func (p *peer) inband(key byte) { p.sendPCM(dtmf.Tone(key, 100, 0.3), false) }

// sendPCM sends pcm in the peer's audio stream, 20 ms a packet, instead of
// its silence; marker sets the marker bit on the first packet.
func (p *peer) sendPCM(pcm []int16, marker bool) {
	p.mu.Lock()
	p.tonesOn = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.tonesOn = false
		p.mu.Unlock()
	}()
	next := time.Now()
	for off := 0; off+160 <= len(pcm); off += 160 {
		p.mu.Lock()
		p.sendAudioLocked(pcm[off:off+160], marker && off == 0)
		p.mu.Unlock()
		next = next.Add(20 * time.Millisecond)
		time.Sleep(time.Until(next))
	}
}

// heard turns the received audio into the sequence of prompts it contained:
// each 20 ms frame is classified by its dominant tone, runs shorter than
// 100 ms are ignored, and repeats of one prompt are collapsed.
func (p *peer) heard() []string {
	p.mu.Lock()
	frames := append([]frame(nil), p.frames...)
	p.mu.Unlock()
	freqs := toneFreqs()
	var out []string
	run, runName := 0, ""
	flush := func() {
		if run >= 5 && runName != "" && (len(out) == 0 || out[len(out)-1] != runName) {
			out = append(out, runName)
		}
	}
	for _, f := range frames {
		name := ""
		if energy(f.pcm[:]) > 1e5 {
			if fr, ratio := tone.Dominant(f.pcm[:], freqs); ratio > 0.5 {
				name = promptOf(fr)
			}
		}
		if name != runName {
			flush()
			run, runName = 0, name
		}
		run++
	}
	flush()
	return out
}

// waitHeard waits until the prompts heard so far end with want.
func (p *peer) waitHeard(d time.Duration, want ...string) {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if hasSuffix(p.heard(), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("heard %v, want it to end with %v", p.heard(), want)
}

func hasSuffix(got, want []string) bool {
	if len(got) < len(want) {
		return false
	}
	return strings.Join(got[len(got)-len(want):], ",") == strings.Join(want, ",")
}

// payloadTypes returns the audio payload types received.
func (p *peer) payloadTypes() map[uint8]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := map[uint8]int{}
	for _, f := range p.frames {
		m[f.pt]++
	}
	return m
}

func energy(pcm []int16) float64 {
	var e float64
	for _, s := range pcm {
		e += float64(s) * float64(s)
	}
	return e / float64(len(pcm))
}

// infoBody is a SIP INFO application/dtmf-relay body.
func infoBody(key byte) string { return fmt.Sprintf("Signal=%c\r\nDuration=160\r\n", key) }

// frameCount is the number of audio frames received from the box so far.
func (p *peer) frameCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.frames)
}
