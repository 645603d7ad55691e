package stream

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/dtmf"
	"github.com/ivrbox/ivrbox/media/g711"
)

// TestTwoStreams: two streams of one real-time engine call each other: they
// learn each other, one plays an in-band digit and sends an RFC 4733 one,
// the other hears both.
func TestTwoStreams(t *testing.T) {
	low, high := testPorts(4)
	e, err := NewEngine(Options{PortLow: low, PortHigh: high, Shards: 2, Log: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var got digits
	a, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, DTMFPT: 101})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, DTMFPT: 101, InbandDTMF: true, OnDigit: got.on,
		Remote: netip.AddrPortFrom(localhost, uint16(a.LocalPort()))})
	if err != nil {
		t.Fatal(err)
	}
	a.SetRemote(netip.AddrPortFrom(localhost, uint16(b.LocalPort())))

	pcm := append(make([]int16, 800), dtmf.Tone('6', 100, 0.2)...)
	clip := make([]byte, len(pcm))
	g711.EncodeULaw(clip, pcm)
	done := a.Play([][]byte{clip})
	if !closedWithin(done, wait) {
		t.Fatal("playback did not finish")
	}
	if err := a.SendDigit('#', 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	want := []string{"6:inband", "#:rfc4733"}
	for !slices.Equal(got.get(), want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if keys := got.get(); !slices.Equal(keys, want) {
		t.Errorf("digits %v, want %v", keys, want)
	}
	sa, sb := a.Stats(), b.Stats()
	if sa.Learned.Port() != uint16(b.LocalPort()) || sb.Learned.Port() != uint16(a.LocalPort()) {
		t.Errorf("learned %v and %v", sa.Learned, sb.Learned)
	}
	if sa.PacketsIn == 0 || sb.PacketsIn == 0 || sa.Strangers+sb.Strangers+sa.Invalid+sb.Invalid != 0 {
		t.Errorf("stats %+v, %+v", sa, sb)
	}
}
