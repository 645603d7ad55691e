package stream

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// keyOf is a test master key||salt: 30 bytes from first up.
func keyOf(first byte) []byte {
	k := make([]byte, 30)
	for i := range k {
		k[i] = first + byte(i)
	}
	return k
}

// srtpPeer is the far end's SRTP contexts: enc with its key, dec with ours.
type srtpPeer struct {
	enc, dec *srtp.Context
	seq      uint16
	ts       uint32
}

func newSRTPPeer(t testing.TB, suite Suite, ours, theirs []byte) *srtpPeer {
	t.Helper()
	p, _, err := suite.profile()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := srtp.CreateContext(theirs[:16], theirs[16:], p)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := srtp.CreateContext(ours[:16], ours[16:], p)
	if err != nil {
		t.Fatal(err)
	}
	return &srtpPeer{enc: enc, dec: dec, seq: 1000, ts: 5000}
}

// packet returns the next encrypted audio packet carrying payload.
func (p *srtpPeer) packet(t testing.TB, pt uint8, payload []byte) []byte {
	t.Helper()
	plain := marshal(rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: 0xBEEF}, payload)
	p.seq++
	p.ts += 160
	out, err := p.enc.EncryptRTP(nil, plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSRTPLoopback(t *testing.T) {
	for _, suite := range []Suite{AES128SHA1_80, AES128SHA1_32} {
		t.Run(map[Suite]string{AES128SHA1_80: "80", AES128SHA1_32: "32"}[suite], func(t *testing.T) {
			testSRTPLoopback(t, suite)
		})
	}
}

// testSRTPLoopback: a stream with SRTP learns an encrypted peer, hands
// its decrypted audio to a tap, sends its prompt encrypted, drops a
// packet with a wrong key and a replay (counted, never played).
func testSRTPLoopback(t *testing.T, suite Suite) {
	e, clock := newTestEngine(t, 2)
	pr := newPeer(t)
	ours, theirs := keyOf(1), keyOf(100)
	s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, Remote: pr.addr(),
		Crypto: &Crypto{Suite: suite, Send: ours, Recv: theirs}})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Encrypted() {
		t.Fatal("not encrypted")
	}
	tap := NewTap(64)
	if err := s.AddSink(tap); err != nil {
		t.Fatal(err)
	}
	far := newSRTPPeer(t, suite, ours, theirs)
	audio := bytesOf(0x12, 160)
	for range 3 {
		pr.sendRaw(s, far.packet(t, 0, audio))
	}
	s.Play([][]byte{bytesOf(0x34, 160)})
	clock.tick(t)

	// What we sent decrypts with our key to the prompt.
	buf := make([]byte, 2048)
	n, _, err := pr.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	var h rtp.Header
	plain, err := far.dec.DecryptRTP(nil, buf[:n], &h)
	if err != nil {
		t.Fatalf("our packet does not decrypt: %v", err)
	}
	if !bytes.Equal(plain[h.MarshalSize():], bytesOf(0x34, 160)) {
		t.Errorf("sent payload %x", plain[h.MarshalSize():][:8])
	}
	if bytes.Contains(buf[:n], bytesOf(0x34, 16)) {
		t.Error("the prompt went out in clear")
	}

	// A replay and a packet under a wrong key are dropped.
	replay := far.packet(t, 0, audio)
	pr.sendRaw(s, replay)
	pr.sendRaw(s, replay)
	wrong := newSRTPPeer(t, suite, ours, keyOf(7))
	wrong.seq = far.seq
	pr.sendRaw(s, wrong.packet(t, 0, bytesOf(0x55, 160)))
	clock.settle(t)
	st := s.Stats()
	if st.PacketsIn != 3 || st.AuthFailed != 1 || st.Replayed != 1 || st.Learned != pr.addr() {
		t.Errorf("stats %+v: want 3 in (the second of 3 learns, 2 more), 1 failed, 1 replayed", st)
	}
	frames := make([]Frame, 8)
	got := tap.Read(frames)
	heard := false
	for _, f := range frames[:got] {
		if bytes.Equal(f.In[:], audio) {
			heard = true
		}
		if bytes.Contains(f.In[:], bytesOf(0x55, 8)) {
			t.Error("a packet under a wrong key reached the tap")
		}
	}
	if !heard {
		t.Errorf("the tap did not get the decrypted audio in %d frames", got)
	}
}

// TestSRTPWrongKeySilence: a peer whose key is wrong is never learned or
// heard: the tap gets silence, the stream keeps sending.
func TestSRTPWrongKeySilence(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	pr := newPeer(t)
	s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, Remote: pr.addr(),
		Crypto: &Crypto{Suite: AES128SHA1_80, Send: keyOf(1), Recv: keyOf(100)}})
	if err != nil {
		t.Fatal(err)
	}
	tap := NewTap(64)
	if err := s.AddSink(tap); err != nil {
		t.Fatal(err)
	}
	wrong := newSRTPPeer(t, AES128SHA1_80, keyOf(1), keyOf(9))
	for range 5 {
		pr.sendRaw(s, wrong.packet(t, 0, bytesOf(0x12, 160)))
		clock.tick(t)
	}
	st := s.Stats()
	if st.PacketsIn != 0 || st.AuthFailed != 5 || st.Learned.IsValid() || st.PacketsOut != 5 {
		t.Errorf("stats %+v", st)
	}
	frames := make([]Frame, 8)
	for _, f := range frames[:tap.Read(frames)] {
		if !bytes.Equal(f.In[:], bytesOf(PCMU.silence(), 160)) {
			t.Fatalf("tap heard %x, want silence", f.In[:8])
		}
	}
}

// TestSetCrypto: keys set later (an outbound call's answer) take effect on
// the next packet; a re-INVITE with the same send key keeps the sending
// context; nil turns SRTP off; bad keys are refused.
func TestSetCrypto(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	pr := newPeer(t)
	s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, Remote: pr.addr()})
	if err != nil {
		t.Fatal(err)
	}
	c := &Crypto{Suite: AES128SHA1_32, Send: keyOf(1), Recv: keyOf(100)}
	if err := s.SetCrypto(c); err != nil {
		t.Fatal(err)
	}
	first := s.secure
	if err := s.SetCrypto(&Crypto{Suite: AES128SHA1_32, Send: keyOf(1), Recv: keyOf(50)}); err != nil {
		t.Fatal(err)
	}
	if s.secure.tx != first.tx || s.secure.rx == first.rx {
		t.Error("a new peer key with our key unchanged must keep the sending context only")
	}
	far := newSRTPPeer(t, AES128SHA1_32, keyOf(1), keyOf(50))
	pr.sendRaw(s, far.packet(t, 0, bytesOf(1, 160)))
	pr.sendRaw(s, far.packet(t, 0, bytesOf(1, 160)))
	clock.tick(t)
	if st := s.Stats(); st.PacketsIn != 1 || st.Probation != 1 || st.AuthFailed != 0 {
		t.Errorf("stats %+v", st)
	}
	if err := s.SetCrypto(nil); err != nil || s.Encrypted() {
		t.Errorf("SetCrypto(nil) = %v, encrypted %v", err, s.Encrypted())
	}
	for _, bad := range []*Crypto{
		{Suite: 9, Send: keyOf(1), Recv: keyOf(1)},
		{Suite: AES128SHA1_80, Send: keyOf(1)[:16], Recv: keyOf(1)},
	} {
		if err := s.SetCrypto(bad); !errors.Is(err, ErrCrypto) {
			t.Errorf("SetCrypto(%v) = %v, want ErrCrypto", bad.Suite, err)
		}
		if _, err := e.Open(Config{Codec: PCMU, Crypto: bad}); !errors.Is(err, ErrCrypto) {
			t.Errorf("Open = %v, want ErrCrypto", err)
		}
	}
}

// TestSRTPAllocs: an SRTP packet in and one out allocate nothing.
func TestSRTPAllocs(t *testing.T) {
	ours, theirs := keyOf(1), keyOf(100)
	s := offlineStream(Config{Codec: PCMU})
	sec, err := newSecure(&Crypto{Suite: AES128SHA1_80, Send: ours, Recv: theirs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.media.secure = sec
	far := newSRTPPeer(t, AES128SHA1_80, ours, theirs)
	pkts := make([][]byte, 200)
	for i := range pkts {
		pkts[i] = far.packet(t, 0, bytesOf(0x12, 160))
	}
	from := netip.MustParseAddrPort("192.0.2.1:4000")
	i := 0
	allocs := testing.AllocsPerRun(100, func() {
		s.handle(pkts[i], from)
		i++
	})
	if allocs != 0 || s.Stats().PacketsIn == 0 {
		t.Errorf("decrypt: %v allocs per packet, stats %+v", allocs, s.Stats())
	}
	plain := marshal(rtp.Header{Version: 2, PayloadType: 0, SSRC: 1}, bytesOf(0x34, 160))
	allocs = testing.AllocsPerRun(100, func() {
		s.media.hdrOut.SequenceNumber++
		plain[2], plain[3] = byte(s.media.hdrOut.SequenceNumber>>8), byte(s.media.hdrOut.SequenceNumber)
		if _, err := s.encrypt(sec, plain); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("encrypt: %v allocs per packet", allocs)
	}
}

// FuzzPacketSRTP: whatever arrives on an SRTP stream is counted once
// (accepted, stranger, invalid, probation, failed authentication or
// replay) and never panics the shard.
func FuzzPacketSRTP(f *testing.F) {
	far := newSRTPPeer(f, AES128SHA1_80, keyOf(1), keyOf(100))
	good := far.packet(f, 0, bytesOf(0x12, 160))
	f.Add(good, uint8(0))
	f.Add(far.packet(f, 101, []byte{5, 0x8A, 3, 32}), uint8(0))
	f.Add(good[:len(good)-10], uint8(0))
	f.Add(good[:headerLen+3], uint8(1))
	f.Add(marshal(rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 3, SSRC: 1}, bytesOf(0x12, 160)), uint8(2))
	f.Add([]byte{0x80}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, from uint8) {
		s := offlineStream(Config{Codec: PCMU, DTMFPT: 101, InbandDTMF: true, OnDigit: func(byte, string) {}})
		sec, err := newSecure(&Crypto{Suite: AES128SHA1_80, Send: keyOf(1), Recv: keyOf(100)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.media.secure = sec
		for i := range 3 {
			s.handle(data, fuzzAddrs[(int(from)+i/2)%len(fuzzAddrs)])
		}
		st := s.Stats()
		if total := st.PacketsIn + st.Strangers + st.Invalid + st.Probation + st.AuthFailed + st.Replayed; total != 3 {
			t.Fatalf("counted %d of 3 packets: %+v", total, st)
		}
	})
}
