package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// sprayer is a stranger on its own loopback address sending RFC 4733 "1"
// to every RTP port of the box, counting what it gets back.
type sprayer struct {
	conn *net.UDPConn
	got  atomic.Int64
	quit chan struct{}
	wg   sync.WaitGroup
}

// startSprayer sprays the box's RTP range from 127.0.0.5 every 20 ms until
// stop (bounded: one packet per port and round).
func startSprayer(t *testing.T, b *box) *sprayer {
	t.Helper()
	low, high := rtpRange(t, b)
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 5)})
	if err != nil {
		t.Fatal(err)
	}
	s := &sprayer{conn: c, quit: make(chan struct{})}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
				return
			}
			s.got.Add(1)
		}
	}()
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		seq, ts, ssrc := uint16(rand.Uint32()), rand.Uint32(), rand.Uint32()
		ev := make([]byte, 4)
		for i := 0; ; i++ {
			select {
			case <-s.quit:
				return
			case <-tick.C:
			}
			// Key presses of 8 packets each, the last three ends.
			n := i%8 + 1
			_, _ = dtmf.Event{Key: '1', Volume: 10, Duration: uint16(160 * min(n, 5)), End: n > 5}.MarshalTo(ev)
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Marker: n == 1,
				SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}, Payload: ev}
			raw, _ := pkt.Marshal()
			seq++
			if n == 8 {
				ts += 1280
			}
			for port := low; port <= high; port += 2 {
				_, _ = c.WriteToUDPAddrPort(raw, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)))
			}
		}
	}()
	t.Cleanup(s.stop)
	return s
}

func (s *sprayer) stop() {
	select {
	case <-s.quit:
		return
	default:
	}
	close(s.quit)
	s.conn.Close()
	s.wg.Wait()
}

// rtpRange is the box's -rtp port range.
func rtpRange(t *testing.T, b *box) (int, int) {
	t.Helper()
	for i, a := range b.cmd.Args {
		if a == "-rtp" && i+1 < len(b.cmd.Args) {
			var low, high int
			if _, err := fmt.Sscanf(b.cmd.Args[i+1], "%d-%d", &low, &high); err == nil {
				return low, high
			}
		}
	}
	t.Fatal("no -rtp range")
	return 0, 0
}

// newLatePeer is a caller's RTP side that only listens until startSending.
func newLatePeer(t *testing.T) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, conn: c, ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), quit: make(chan struct{})}
	p.wg.Add(1)
	go p.recv()
	t.Cleanup(p.close)
	return p
}

// startSending starts the peer's 20 ms stream towards the box's RTP
// address.
func (p *peer) startSending(box netip.AddrPort) {
	p.mu.Lock()
	p.boxAddr = box
	p.mu.Unlock()
	p.wg.Add(1)
	go p.sendSilence()
}

// boxRTPFrom reads the first packet the box sends to conn and returns the
// box's RTP address.
func boxRTPFrom(t *testing.T, conn *net.UDPConn) netip.AddrPort {
	t.Helper()
	buf := make([]byte, 1500)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, from, err := conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("no RTP from the box: %v", err)
	}
	return from
}

// entered reports whether the call entered IVR ivr.
func entered(b *box, callID, ivr string) bool {
	for _, e := range b.events("ivr.entered", callID) {
		if strings.Contains(e, "event.ivr="+ivr+" ") || strings.HasSuffix(e, "event.ivr="+ivr) {
			return true
		}
	}
	return false
}

// strictCall places a call to 6500 whose SDP names sdp's port as the
// caller's RTP; the scenario stays up for 7 s.
func strictCall(t *testing.T, b *box, sdp *net.UDPConn) (*sippRun, string) {
	t.Helper()
	sc := new(scenario).invite(false).answered(false).pause(7 * time.Second).bye()
	r := sipp(t, b, "6500", sc, &peer{conn: sdp}, "udp")
	return r, r.callID(t)
}

// TestStrictRTP: a stranger spraying RFC 4733 "1" at the whole RTP range
// from another address gets no digit acted on and no audio, whether the
// caller's media starts a second late from the SDP's address or from
// another port of its signalling's IP (NAT); a spoofer sending from the
// caller's own address and port with another SSRC gets nothing either;
// and in each case the real caller is heard (its "1" takes it to 6501)
// and hears the prompts.
func TestStrictRTP(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true})
	stranger := startSprayer(t, b)

	// 1. The caller at the SDP's address starts sending a second late.
	p := newLatePeer(t)
	r, id := strictCall(t, b, p.conn)
	p.waitMedia(10 * time.Second) // the box sends to the SDP address
	time.Sleep(time.Second)       // the caller's media starts late; the stranger sprays meanwhile
	if entered(b, id, "6501") {
		t.Fatal("case 1: the stranger's 1 was acted on")
	}
	p.mu.Lock()
	box := p.boxAddr
	p.mu.Unlock()
	p.startSending(box)
	p.rfc4733('1')
	b.waitLog(5*time.Second, "event.kind=ivr.entered", "event.ivr=6501")
	r.wait(t)
	if len(p.heard()) == 0 {
		t.Fatal("case 1: the caller heard no prompt")
	}

	// 2. Behind NAT: the SDP names one port, the media comes a second late
	// from another port of the same IP (the signalling's).
	sdpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sdpConn.Close()
	nat := newLatePeer(t)
	r, id = strictCall(t, b, sdpConn)
	box = boxRTPFrom(t, sdpConn)
	time.Sleep(time.Second)
	if entered(b, id, "6501") {
		t.Fatal("case 2: the stranger's 1 was acted on")
	}
	nat.startSending(box)
	nat.rfc4733('1')
	nat.waitMedia(5 * time.Second) // learned: the box now sends to it
	deadline := time.Now().Add(5 * time.Second)
	for !entered(b, id, "6501") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !entered(b, id, "6501") {
		t.Fatal("case 2: the caller behind NAT was not heard")
	}
	r.wait(t)
	if len(nat.heard()) == 0 {
		t.Fatal("case 2: the caller behind NAT heard no prompt")
	}
	stranger.stop()

	// 3. A spoofer on the caller's own address and port, with another SSRC.
	c := newPeer(t, 0)
	r, id = strictCall(t, b, c.conn)
	c.waitMedia(10 * time.Second)
	b.waitLog(5*time.Second, "rtp source learned", fmt.Sprintf("source=127.0.0.1:%d", c.port()))
	spoof := &peer{t: t, conn: c.conn, ssrc: c.ssrc ^ 0x5a5a5a5a, seq: c.seq + 30000}
	c.mu.Lock()
	spoof.boxAddr = c.boxAddr
	c.mu.Unlock()
	spoof.rfc4733('1') // writes on the caller's socket while the caller sends on
	time.Sleep(500 * time.Millisecond)
	if entered(b, id, "6501") {
		t.Fatal("case 3: the spoofed 1 was acted on")
	}
	c.rfc4733('1')
	deadline = time.Now().Add(5 * time.Second)
	for !entered(b, id, "6501") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !entered(b, id, "6501") {
		t.Fatal("case 3: the caller was not heard")
	}
	r.wait(t)

	// 4. In all of it the stranger got nothing.
	if n := stranger.got.Load(); n != 0 {
		t.Fatalf("the stranger received %d packets", n)
	}
}
