package stream

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestGarbageFlood: a flood of garbage and of RTP from another address
// (stray packets while learning, well-formed streams after) neither crashes
// the stream nor stops the caller's learning, digits or outgoing packets.
// (Well-formed RTP from an attacker who beats the caller to the port is
// learned: that is the nature of strict RTP learning.)
func TestGarbageFlood(t *testing.T) {
	e, clock := newTestEngine(t, 2)
	caller, attacker := newPeer(t), newPeer(t)
	var got digits
	s := openTo(t, e, caller, Config{Codec: PCMU, DTMFPT: 101, InbandDTMF: true, OnDigit: got.on})
	rng := rand.New(rand.NewPCG(1, 1))
	flood := func(n int, learning bool) {
		for range n {
			b := make([]byte, rng.IntN(300))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			if len(b) > 0 && rng.IntN(2) == 0 {
				b[0] = 0x80 // version 2: a plausible header
			}
			attacker.sendRaw(s, b)
			if learning {
				attacker.seq += uint16(2 + rng.IntN(100)) // strays, never consecutive
			}
			attacker.audio(s, 0, bytesOf(0x55, 160))
		}
	}
	flood(50, true) // before learning: garbage and stray packets
	caller.audio(s, 0, bytesOf(0xFF, 160))
	flood(10, true)
	caller.audio(s, 0, bytesOf(0xFF, 160))
	clock.settle(t)
	// The caller presses two keys, one packet per tick, while the attacker
	// sends 40 packets a tick (2000 a second).
	for _, key := range []byte("42") {
		ts := caller.ts
		for i := 1; i <= 6; i++ {
			flood(20, false)
			caller.send(s, 101, ts, i == 1, eventPayload(t, key, i > 3, uint16(160*min(i, 4))))
			clock.tick(t)
		}
		caller.ts += 2000
	}
	clock.settle(t)
	st := s.Stats()
	if st.Learned != caller.addr() {
		t.Fatalf("learned %v, want the caller %v (stats %+v)", st.Learned, caller.addr(), st)
	}
	if keys := got.get(); !slices.Equal(keys, []string{"4:rfc4733", "2:rfc4733"}) {
		t.Errorf("digits %v", keys)
	}
	if st.Strangers < 200 || st.PacketsIn < 12 {
		t.Errorf("stats %+v", st)
	}
	for range 12 {
		caller.recv()
	}
}
