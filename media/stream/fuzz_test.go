package stream

import (
	"net/netip"
	"testing"

	"github.com/pion/rtp"
)

// offlineStream is a Stream without sockets or engine, for driving the
// receive path directly.
func offlineStream(cfg Config) *Stream {
	s := &Stream{log: discard(), onDigit: cfg.OnDigit,
		codec: cfg.Codec, dtmfPT: cfg.DTMFPT, sending: true}
	s.inband.Store(cfg.InbandDTMF)
	s.media.codec, s.media.dtmfPT = cfg.Codec, cfg.DTMFPT
	s.media.hdr.CSRC = make([]uint32, 0, 15)
	s.media.in, s.media.out, s.media.pcm = new(shard).buffers()
	s.media.ticks = 1
	s.media.learnAny = true // any sender may be learned, as the fuzzer sends from anywhere
	return s
}

var fuzzAddrs = []netip.AddrPort{
	netip.MustParseAddrPort("192.0.2.1:4000"),
	netip.MustParseAddrPort("192.0.2.1:4002"),
	netip.MustParseAddrPort("[2001:db8::1]:4000"),
}

func marshal(h rtp.Header, payload []byte) []byte {
	b, _ := (&rtp.Packet{Header: h, Payload: payload}).Marshal()
	return b
}

func FuzzPacket(f *testing.F) {
	audio := marshal(rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 7, Timestamp: 160, SSRC: 1}, make([]byte, 160))
	event := marshal(rtp.Header{Version: 2, PayloadType: 101, SequenceNumber: 8, Timestamp: 160, SSRC: 1}, []byte{5, 0x8A, 3, 32})
	ext := rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 9, SSRC: 1}
	_ = ext.SetExtension(1, []byte{1, 2, 3})
	f.Add(audio, uint8(0))
	f.Add(event, uint8(0))
	f.Add(marshal(ext, []byte{0xFF}), uint8(1))
	f.Add([]byte{0x80}, uint8(2))
	f.Add([]byte{0xB0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0, 1, 1, 5, 0, 0}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, from uint8) {
		var h rtp.Header
		_, err := h.Unmarshal(data)
		pionOK := err == nil && len(data) > 0 && data[0]>>6 == 2
		if headerOK(data) != pionOK {
			t.Fatalf("headerOK = %v, pion/rtp accepts: %v (%v)", headerOK(data), pionOK, err)
		}
		s := offlineStream(Config{Codec: PCMU, DTMFPT: 101, InbandDTMF: true, OnDigit: func(byte, string) {}})
		// The same datagram three times: learning, then as the source or a
		// stranger.
		for i := range 3 {
			s.handle(data, fuzzAddrs[(int(from)+i/2)%len(fuzzAddrs)])
		}
		st := s.Stats()
		if total := st.PacketsIn + st.Strangers + st.Invalid + st.Probation; total != 3 {
			t.Fatalf("counted %d of 3 packets: %+v", total, st)
		}
	})
}

func TestHeaderOKMatchesPion(t *testing.T) {
	valid := marshal(rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1, CSRC: []uint32{1, 2}}, []byte{1})
	one := rtp.Header{Version: 2, Extension: true, ExtensionProfile: 0xBEDE}
	_ = one.SetExtension(3, []byte{9, 9})
	two := rtp.Header{Version: 2, Extension: true, ExtensionProfile: 0x1000}
	_ = two.SetExtension(3, make([]byte, 20))
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"valid with CSRCs", valid, true},
		{"short", valid[:11], false},
		{"CSRCs cut", valid[:15], false},
		{"version 1", append([]byte{0x40}, valid[1:]...), false},
		{"one-byte extension", marshal(one, nil), true},
		{"two-byte extension", marshal(two, nil), true},
		{"extension cut", marshal(two, nil)[:20], false},
		{"two-byte element overruns", []byte{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 1, 9, 0, 0}, false},
		{"one-byte element overruns", []byte{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE, 0, 1, 0x15, 0, 0, 0}, false},
	}
	for _, tt := range tests {
		var h rtp.Header
		_, err := h.Unmarshal(tt.b)
		pion := err == nil && tt.b[0]>>6 == 2
		if got := headerOK(tt.b); got != tt.want || got != pion {
			t.Errorf("%s: headerOK = %v, want %v (pion/rtp: %v)", tt.name, got, tt.want, pion)
		}
	}
}

func TestHandlePadding(t *testing.T) {
	s := offlineStream(Config{Codec: PCMU})
	src := fuzzAddrs[0]
	good := marshal(rtp.Header{Version: 2, Padding: true, PaddingSize: 4, SequenceNumber: 1}, make([]byte, 160))
	s.handle(good, src)
	good2 := marshal(rtp.Header{Version: 2, Padding: true, PaddingSize: 4, SequenceNumber: 2}, make([]byte, 160))
	s.handle(good2, src)
	bad := append([]byte(nil), good2...)
	bad[len(bad)-1] = 0 // padding of zero bytes
	s.handle(bad, src)
	bad[len(bad)-1] = 200 // more padding than payload
	s.handle(bad, src)
	if st := s.Stats(); st.PacketsIn != 1 || st.Probation != 1 || st.Invalid != 2 {
		t.Errorf("stats %+v", st)
	}
}
