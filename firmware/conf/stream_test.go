package conf

import (
	"math"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/media/mix"
	"github.com/ivrbox/ivrbox/media/stream"
)

// phone is the far end of a stream: a UDP socket speaking RTP.
type phone struct {
	conn  *net.UDPConn
	codec stream.Codec
}

func newPhone(t *testing.T, c stream.Codec) *phone {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &phone{conn: conn, codec: c}
}

func (p *phone) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// TestRealStreams joins two real RTP streams, one µ-law and one A-law, to
// a room on a ticking mixer: what the first phone sends, the second hears,
// and the first does not hear itself; leave gives each stream back.
func TestRealStreams(t *testing.T) {
	if testing.Short() { // only with -short: CI and ./build.sh test run it in full
		t.Skip("real sockets and tickers")
	}
	eng, err := stream.NewEngine(stream.Options{PortLow: 31000, PortHigh: 31998})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	mx := mix.New(mix.Options{})
	defer mx.Close()
	m := New(Options{Mix: mx})
	defer m.Close()

	pa, pb := newPhone(t, stream.PCMU), newPhone(t, stream.PCMA)
	sa, err := eng.Open(stream.Config{Remote: pa.addr(), Codec: stream.PCMU})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := eng.Open(stream.Config{Remote: pb.addr(), Codec: stream.PCMA})
	if err != nil {
		t.Fatal(err)
	}
	info, err := m.Create(Spec{})
	if err != nil {
		t.Fatal(err)
	}
	room, _ := m.Room(info.ID)
	leaveA, _, _, err := room.Join(call.Member{CallID: "a", Media: sa})
	if err != nil {
		t.Fatal(err)
	}
	leaveB, _, _, err := room.Join(call.Member{CallID: "b", Media: sb})
	if err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() { // phone a talks: 1 kHz, one packet per 20 ms
		defer close(sent)
		to := net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(sa.LocalPort())))
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		pcm := make([]int16, stream.FrameSamples)
		for seq := uint16(0); ; seq++ {
			for i := range pcm {
				n := int(seq)*len(pcm) + i
				pcm[i] = int16(10000 * math.Sin(2*math.Pi*1000*float64(n)/8000))
			}
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq,
				Timestamp: uint32(seq) * stream.FrameSamples, SSRC: 0x1234}, Payload: make([]byte, len(pcm))}
			stream.PCMU.Encode(pkt.Payload, pcm)
			buf, _ := pkt.Marshal()
			_, _ = pa.conn.WriteToUDP(buf, to)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	defer func() { close(stop); <-sent }()

	if got := loudest(t, pb, 3*time.Second, 3000); got < 3000 {
		t.Fatalf("phone b heard level %d, want a's tone", got)
	}
	if got := loudest(t, pa, 500*time.Millisecond, math.MaxInt); got > 300 {
		t.Errorf("phone a heard level %d: itself", got)
	}
	leaveA()
	leaveB()
	for _, s := range []*stream.Stream{sa, sb} {
		if prev := s.SetSource(nil); prev != nil {
			t.Errorf("source after leave: %T, want the stream's own playback", prev)
		}
	}
	if _, ok := m.Get(info.ID); ok {
		t.Error("room kept after both left")
	}
}

// loudest reads p's packets for up to d (or until one is at least enough)
// and returns the loudest mean level heard.
func loudest(t *testing.T, p *phone, d time.Duration, enough int) int {
	t.Helper()
	deadline := time.Now().Add(d)
	buf := make([]byte, 1500)
	pcm := make([]int16, stream.FrameSamples)
	best := 0
	for time.Now().Before(deadline) && best < enough {
		_ = p.conn.SetReadDeadline(deadline)
		n, err := p.conn.Read(buf)
		if err != nil {
			break
		}
		var pkt rtp.Packet
		if pkt.Unmarshal(buf[:n]) != nil || len(pkt.Payload) != stream.FrameSamples {
			continue
		}
		p.codec.Decode(pcm, pkt.Payload)
		best = max(best, level(pcm))
	}
	return best
}
