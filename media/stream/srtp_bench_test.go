package stream

import (
	"net"
	"net/netip"
	"testing"

	"github.com/pion/rtp"
)

// BenchmarkHandleAudioSRTP is BenchmarkHandleAudio with SRTP: the packet
// is authenticated and decrypted first.
func BenchmarkHandleAudioSRTP(b *testing.B) {
	for _, tc := range []struct {
		name  string
		suite Suite
	}{{"80", AES128SHA1_80}, {"32", AES128SHA1_32}} {
		b.Run(tc.name, func(b *testing.B) {
			benchHandleSRTP(b, tc.suite, keyOf(100))
		})
	}
}

// BenchmarkHandleSRTPWrongKey is a flood of packets under a wrong key:
// each fails authentication and is dropped.
func BenchmarkHandleSRTPWrongKey(b *testing.B) { benchHandleSRTP(b, AES128SHA1_80, keyOf(9)) }

func benchHandleSRTP(b *testing.B, suite Suite, peerKey []byte) {
	s := offlineStream(Config{Codec: PCMU})
	sec, err := newSecure(&Crypto{Suite: suite, Send: keyOf(1), Recv: keyOf(100)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	s.media.secure = sec
	far := newSRTPPeer(b, suite, keyOf(1), peerKey)
	from := fuzzAddrs[0]
	for range 2 { // learn the source
		s.handle(far.packet(b, 0, make([]byte, 160)), from)
	}
	pkts := newPacketFeed(b, far)
	b.ReportAllocs()
	for b.Loop() {
		s.handle(pkts.next(), from)
	}
}

// packetFeed hands out a peer's encrypted packets, made in batches with
// the timer stopped: the benchmark counts the stream's work, not the
// peer's.
type packetFeed struct {
	b    *testing.B
	far  *srtpPeer
	pkts [][]byte
	i    int
}

const feedBatch = 4096

func newPacketFeed(b *testing.B, far *srtpPeer) *packetFeed {
	f := &packetFeed{b: b, far: far, pkts: make([][]byte, feedBatch)}
	f.fill()
	return f
}

func (f *packetFeed) fill() {
	payload := bytesOf(0x12, 160)
	for i := range f.pkts {
		f.pkts[i] = f.far.packet(f.b, 0, payload)
	}
	f.i = 0
}

func (f *packetFeed) next() []byte {
	if f.i == len(f.pkts) {
		f.b.StopTimer()
		f.fill()
		f.b.StartTimer()
	}
	f.i++
	return f.pkts[f.i-1]
}

// BenchmarkCallsPerCore is one call's media for one 20 ms frame on
// loopback, as BenchmarkTick: a packet arrives and is drained, handled
// and decoded for in-band DTMF, one tap (a recording) gets the frame, and
// one frame of a prompt is sent; plain RTP, then SRTP both ways with each
// suite. calls/core is how many such calls one core carries (50 frames a
// second each), counting the stream's work only.
func BenchmarkCallsPerCore(b *testing.B) {
	for _, tc := range []struct {
		name  string
		suite Suite
	}{{"plain", 0}, {"srtp80", AES128SHA1_80}, {"srtp32", AES128SHA1_32}} {
		b.Run(tc.name, func(b *testing.B) { benchCall(b, tc.suite) })
	}
}

func benchCall(b *testing.B, suite Suite) {
	e, _ := newTestEngine(b, 2)
	defer e.Close()
	sink, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(localhost, 0)))
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	src, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(localhost, 0)))
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	cfg := Config{Local: localhost, Codec: PCMU, DTMFPT: 101, InbandDTMF: true,
		Remote: sink.LocalAddr().(*net.UDPAddr).AddrPort(), OnDigit: func(byte, string) {}}
	var feed *packetFeed
	var plain []byte
	var seq uint16
	if suite != 0 {
		cfg.Crypto = &Crypto{Suite: suite, Send: keyOf(1), Recv: keyOf(100)}
		feed = newPacketFeed(b, newSRTPPeer(b, suite, keyOf(1), keyOf(100)))
	} else {
		plain = marshal(rtp.Header{Version: 2, PayloadType: 0}, make([]byte, 160))
	}
	next := func() []byte {
		if feed != nil {
			return feed.next()
		}
		plain[2], plain[3] = byte(seq>>8), byte(seq)
		seq++
		return plain
	}
	s, err := e.Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	tap := NewTap(16)
	if err := s.AddSink(tap); err != nil {
		b.Fatal(err)
	}
	got := make([]Frame, 8)
	to := netip.AddrPortFrom(localhost, uint16(s.LocalPort()))
	s.Play([][]byte{make([]byte, 160*50*60)})
	var n int
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.WriteToUDPAddrPort(next(), to); err != nil {
			b.Fatal(err)
		}
		s.tick(1, 0, true, true)
		if n++; n%8 == 0 {
			tap.Read(got)
		}
	}
	b.StopTimer()
	if ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N); ns > 0 {
		b.ReportMetric(1e9/(ns*50), "calls/core")
	}
	if st := s.Stats(); st.PacketsIn == 0 || st.PacketsOut == 0 || st.SendErrors+st.AuthFailed+st.Replayed != 0 {
		b.Fatalf("stats %+v", st)
	}
}

// BenchmarkEncryptSRTP is the cost SRTP adds to each packet sent: one
// 160-byte PCMU frame encrypted and authenticated into the stream's buffer.
func BenchmarkEncryptSRTP(b *testing.B) {
	for _, tc := range []struct {
		name  string
		suite Suite
	}{{"80", AES128SHA1_80}, {"32", AES128SHA1_32}} {
		b.Run(tc.name, func(b *testing.B) {
			s := offlineStream(Config{Codec: PCMU})
			sec, err := newSecure(&Crypto{Suite: tc.suite, Send: keyOf(1), Recv: keyOf(100)}, nil)
			if err != nil {
				b.Fatal(err)
			}
			plain := marshal(rtp.Header{Version: 2, PayloadType: 0, SSRC: 1}, bytesOf(0x34, 160))
			b.ReportAllocs()
			for b.Loop() {
				s.media.hdrOut.SequenceNumber++
				plain[2], plain[3] = byte(s.media.hdrOut.SequenceNumber>>8), byte(s.media.hdrOut.SequenceNumber)
				if _, err := s.encrypt(sec, plain); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
