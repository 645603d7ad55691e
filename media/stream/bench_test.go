package stream

import (
	"net"
	"net/netip"
	"testing"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// learnedStream is an offline stream that has learned fuzzAddrs[0].
func learnedStream(cfg Config) *Stream {
	s := offlineStream(cfg)
	for seq := range uint16(2) {
		s.handle(marshal(rtp.Header{Version: 2, PayloadType: uint8(cfg.Codec), SequenceNumber: seq}, make([]byte, 160)), fuzzAddrs[0])
	}
	return s
}

// benchHandle feeds the same packet over and over, bumping its sequence
// number and timestamp like a real stream.
func benchHandle(b *testing.B, s *Stream, pkt []byte, from netip.AddrPort) {
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	var seq uint16 = 2
	for b.Loop() {
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		seq++
		s.handle(pkt, from)
	}
}

func BenchmarkHandleAudio(b *testing.B) {
	s := learnedStream(Config{Codec: PCMU})
	benchHandle(b, s, marshal(rtp.Header{Version: 2, PayloadType: 0}, make([]byte, 160)), fuzzAddrs[0])
}

func BenchmarkHandleAudioInband(b *testing.B) {
	s := learnedStream(Config{Codec: PCMU, InbandDTMF: true, OnDigit: func(byte, string) {}})
	benchHandle(b, s, marshal(rtp.Header{Version: 2, PayloadType: 0}, make([]byte, 160)), fuzzAddrs[0])
}

func BenchmarkHandleEvent(b *testing.B) {
	s := learnedStream(Config{Codec: PCMU, DTMFPT: 101, OnDigit: func(byte, string) {}})
	payload := make([]byte, dtmf.EventSize)
	_, _ = dtmf.Event{Key: '5', Duration: 800}.MarshalTo(payload)
	benchHandle(b, s, marshal(rtp.Header{Version: 2, PayloadType: 101}, payload), fuzzAddrs[0])
}

func BenchmarkHandleStranger(b *testing.B) {
	s := learnedStream(Config{Codec: PCMU})
	benchHandle(b, s, marshal(rtp.Header{Version: 2, PayloadType: 0}, make([]byte, 160)), fuzzAddrs[1])
}

func BenchmarkHandleGarbage(b *testing.B) {
	s := learnedStream(Config{Codec: PCMU})
	garbage := []byte{0x80, 0x63, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9}
	s.media.source = netip.AddrPort{} // not learned: everything is parsed
	benchHandle(b, s, garbage, fuzzAddrs[1])
}

// BenchmarkTick is one stream's whole tick on loopback: a packet arrives
// and is drained, handled and decoded for in-band DTMF, and one frame of a
// prompt is sent.
func BenchmarkTick(b *testing.B) {
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
	// The shard never ticks (fake clock): the benchmark drives the stream.
	s, err := e.Open(Config{Local: localhost, Codec: PCMU, DTMFPT: 101, InbandDTMF: true,
		Remote: sink.LocalAddr().(*net.UDPAddr).AddrPort(), OnDigit: func(byte, string) {}})
	if err != nil {
		b.Fatal(err)
	}
	to := netip.AddrPortFrom(localhost, uint16(s.LocalPort()))
	pkt := marshal(rtp.Header{Version: 2, PayloadType: 0}, make([]byte, 160))
	clip := make([]byte, 160*50*60)
	s.Play([][]byte{clip})
	var seq uint16
	b.ReportAllocs()
	for b.Loop() {
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		seq++
		if _, err := src.WriteToUDPAddrPort(pkt, to); err != nil {
			b.Fatal(err)
		}
		s.tick(1, 0) // the sink is never read: once full, the kernel drops
	}
	b.StopTimer()
	if st := s.Stats(); st.PacketsIn == 0 || st.PacketsOut == 0 || st.SendErrors != 0 {
		b.Fatalf("stats %+v", st)
	}
}

// BenchmarkTickSendOnly is a tick with nothing received: one empty
// non-blocking read and one frame sent.
func BenchmarkTickSendOnly(b *testing.B) {
	e, _ := newTestEngine(b, 2)
	defer e.Close()
	sink, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(localhost, 0)))
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	s, err := e.Open(Config{Local: localhost, Codec: PCMU, Remote: sink.LocalAddr().(*net.UDPAddr).AddrPort()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.tick(1, 0)
	}
}
