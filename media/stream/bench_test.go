package stream

import (
	"fmt"
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
func BenchmarkTick(b *testing.B) { benchTick(b, 0) }

// BenchmarkTickTaps is BenchmarkTick with 0, 1 and 3 Tap sinks attached:
// each frame also goes through the playout buffer into every tap, which
// the benchmark empties every eight frames, as a recorder would.
func BenchmarkTickTaps(b *testing.B) {
	for _, n := range []int{0, 1, 3} {
		b.Run(fmt.Sprintf("taps=%d", n), func(b *testing.B) { benchTick(b, n) })
	}
}

// BenchmarkTapDelivery is the work sinks add to a frame, without the
// sockets: one received packet into the playout buffer, then the frame
// (its Out already made) with the next frame of In handed to 0, 1 or 3
// taps, emptied every eight frames.
func BenchmarkTapDelivery(b *testing.B) {
	for _, n := range []int{0, 1, 3} {
		b.Run(fmt.Sprintf("taps=%d", n), func(b *testing.B) {
			s := learnedStream(Config{Codec: PCMU})
			var ts []*Tap
			for range n {
				ts = append(ts, NewTap(16))
				if err := s.AddSink(ts[len(ts)-1]); err != nil {
					b.Fatal(err)
				}
			}
			sinks, payload := s.sinkList(), bytesOf(0x12, 160)
			s.media.tapping = n > 0
			got := make([]Frame, 8)
			var i int
			b.ReportAllocs()
			for b.Loop() {
				if s.media.tapping {
					s.media.playout.push(payload, PCMU)
					s.tap(sinks, true)
				}
				if i++; i%8 == 0 {
					for _, tap := range ts {
						tap.Read(got)
					}
				}
			}
		})
	}
}

func benchTick(b *testing.B, taps int) {
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
	s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, DTMFPT: 101, InbandDTMF: true,
		Remote: sink.LocalAddr().(*net.UDPAddr).AddrPort(), OnDigit: func(byte, string) {}})
	if err != nil {
		b.Fatal(err)
	}
	var ts []*Tap
	for range taps {
		tap := NewTap(16)
		if err := s.AddSink(tap); err != nil {
			b.Fatal(err)
		}
		ts = append(ts, tap)
	}
	got := make([]Frame, 8)
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
		s.tick(1, 0, true, true) // the sink is never read: once full, the kernel drops
		if seq%8 == 0 {
			for _, tap := range ts {
				tap.Read(got)
			}
		}
	}
	b.StopTimer()
	if st := s.Stats(); st.PacketsIn == 0 || st.PacketsOut == 0 || st.SendErrors != 0 {
		b.Fatalf("stats %+v", st)
	}
	for _, tap := range ts {
		if tap.Dropped() != 0 {
			b.Fatalf("a tap dropped %d frames", tap.Dropped())
		}
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
	s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, Remote: sink.LocalAddr().(*net.UDPAddr).AddrPort()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.tick(1, 0, true, true)
	}
}

// BenchmarkTickBridged is the tick of both legs of a bridge (PCMU to PCMA)
// on loopback: a packet arrives on each, is drained and handed over, and
// each sends one frame of the other's audio.
func BenchmarkTickBridged(b *testing.B) {
	e, _ := newTestEngine(b, 4)
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
	remote := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	x, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, DTMFPT: 101, InbandDTMF: true, Remote: remote})
	if err != nil {
		b.Fatal(err)
	}
	y, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMA, Remote: remote})
	if err != nil {
		b.Fatal(err)
	}
	link, err := Bridge(x, y)
	if err != nil {
		b.Fatal(err)
	}
	defer link.Close()
	toX := netip.AddrPortFrom(localhost, uint16(x.LocalPort()))
	toY := netip.AddrPortFrom(localhost, uint16(y.LocalPort()))
	pktX := marshal(rtp.Header{Version: 2, PayloadType: 0}, bytesOf(0x12, 160))
	pktY := marshal(rtp.Header{Version: 2, PayloadType: 8}, bytesOf(0x34, 160))
	var seq uint16
	b.ReportAllocs()
	for b.Loop() {
		pktX[2], pktX[3] = byte(seq>>8), byte(seq)
		pktY[2], pktY[3] = byte(seq>>8), byte(seq)
		seq++
		if _, err := src.WriteToUDPAddrPort(pktX, toX); err != nil {
			b.Fatal(err)
		}
		if _, err := src.WriteToUDPAddrPort(pktY, toY); err != nil {
			b.Fatal(err)
		}
		x.tick(1, 0, true, true)
		y.tick(1, 0, true, true)
	}
	b.StopTimer()
	if sx, sy := x.Stats(), y.Stats(); sx.PacketsIn == 0 || sy.PacketsIn == 0 || sx.SendErrors+sy.SendErrors != 0 {
		b.Fatalf("stats %+v, %+v", sx, sy)
	}
}
