package stream

import (
	"net"
	"net/netip"
	"slices"
	"testing"
)

// newPeerOn is newPeer on another loopback address.
func newPeerOn(t *testing.T, ip string, ssrc uint32) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(ip), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &peer{t: t, conn: c, seq: 7000, ts: 1000, ssrc: ssrc}
}

// TestLearnOnlyFromSignalling: before the caller sends, a stranger on
// another address is never learned and none of its digits count, however
// much it sends; the caller is then learned from the signalling's IP on
// another port than the SDP's (NAT), and nothing is sent to the stranger.
func TestLearnOnlyFromSignalling(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	sdp := newPeer(t)                            // the SDP's address: never sends
	caller := newPeer(t)                         // the caller behind NAT: same IP, other port
	stranger := newPeerOn(t, "127.0.0.9", 0xBAD) // elsewhere
	var got digits
	s := openTo(t, e, sdp, Config{Codec: PCMU, DTMFPT: 101, OnDigit: got.on})
	for range 5 {
		stranger.pressKey(t, s, 101, '1')
	}
	clock.settle(t)
	if st := s.Stats(); st.Learned.IsValid() || st.Strangers != 30 || st.Probation != 0 {
		t.Fatalf("after the stranger's keys: %+v", st)
	}
	if keys := got.get(); len(keys) != 0 {
		t.Fatalf("the stranger's digits were acted on: %v", keys)
	}
	caller.pressKey(t, s, 101, '2')
	clock.settle(t)
	if st := s.Stats(); st.Learned != caller.addr() {
		t.Fatalf("caller not learned: %+v", st)
	}
	if keys := got.get(); !slices.Equal(keys, []string{"2:rfc4733"}) {
		t.Fatalf("digits %v, want the caller's 2", keys)
	}
	stranger.quiet()
}

// TestLearnAny: with LearnAny the first consistent sender is learned, as
// for a NAT that maps media to another address than the signalling's.
func TestLearnAny(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	sdp := newPeer(t)
	far := newPeerOn(t, "127.0.0.9", 0xF00)
	s := openTo(t, e, sdp, Config{Codec: PCMU, LearnAny: true})
	far.audio(s, 0, bytesOf(0xFF, 160))
	far.audio(s, 0, bytesOf(0xFF, 160))
	clock.settle(t)
	if st := s.Stats(); st.Learned != far.addr() {
		t.Fatalf("with LearnAny: %+v", st)
	}
}

// TestSSRCLocked: once learned, packets from the source's own address with
// another SSRC (a spoofer copying the address) are dropped while the
// learned SSRC still sends; after it has been quiet, a new SSRC in
// sequence takes over (the peer restarted its stream).
func TestSSRCLocked(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	caller := newPeer(t)
	var got digits
	s := openTo(t, e, caller, Config{Codec: PCMU, DTMFPT: 101, OnDigit: got.on})
	silence := bytesOf(0xFF, 160)
	caller.audio(s, 0, silence)
	caller.audio(s, 0, silence)
	clock.settle(t)
	// A spoofer on the caller's socket with its own SSRC and sequence.
	spoof := &peer{t: t, conn: caller.conn, seq: 40000, ts: 5, ssrc: 0x5900F}
	for range 3 {
		spoof.pressKey(t, s, 101, '9')
		caller.audio(s, 0, silence)
		clock.settle(t)
	}
	if keys := got.get(); len(keys) != 0 {
		t.Fatalf("spoofed digits acted on: %v", keys)
	}
	if st := s.Stats(); st.Strangers != 18 || st.PacketsIn != 4 {
		t.Fatalf("stats after the spoofer: %+v", st)
	}
	// The caller goes quiet; its new stream (new SSRC) is taken in sequence.
	for range ssrcQuietTicks {
		clock.tick(t)
	}
	caller.ssrc = 0x1234
	caller.pressKey(t, s, 101, '4')
	clock.settle(t)
	if keys := got.get(); !slices.Equal(keys, []string{"4:rfc4733"}) {
		t.Fatalf("digits after the SSRC change %v, want 4", keys)
	}
}
