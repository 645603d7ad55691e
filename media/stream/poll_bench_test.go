//go:build linux && !386 && !portablerecv

package stream

import (
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/pion/rtp"
)

// shardBench is a manual engine's shard with streams, and a socket that
// sends them packets.
type shardBench struct {
	sh      *shard
	streams []*Stream
	src     *net.UDPConn
	pkt     []byte
	seq     uint16
}

// newShardBench opens n streams that send nothing (no remote) on a manual
// engine's shard.
func newShardBench(b *testing.B, n int) *shardBench {
	e, sh := newManualEngine(b, n+32) // room for pairs another program holds
	src, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(localhost, 0)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = src.Close() })
	sb := &shardBench{sh: sh, src: src, pkt: marshal(rtp.Header{Version: 2, PayloadType: 0}, make([]byte, 160))}
	for range n {
		s, err := e.Open(Config{Local: localhost, Signal: localhost, Codec: PCMU, DTMFPT: 101, InbandDTMF: true})
		if err != nil {
			b.Fatal(err)
		}
		sb.streams = append(sb.streams, s)
	}
	return sb
}

// send sends the next packet to each of streams.
func (sb *shardBench) send(b *testing.B, streams []*Stream) {
	sb.pkt[2], sb.pkt[3] = byte(sb.seq>>8), byte(sb.seq)
	sb.seq++
	for _, s := range streams {
		if _, err := sb.src.WriteToUDPAddrPort(sb.pkt, netip.AddrPortFrom(localhost, uint16(s.LocalPort()))); err != nil {
			b.Fatal(err)
		}
	}
}

// handled is the number of packets streams have taken in.
func handled(streams []*Stream) uint64 {
	var n uint64
	for _, s := range streams {
		n += s.stats.packetsIn.Load() + s.stats.probation.Load()
	}
	return n
}

// run ticks the shard once per iteration after sending a packet to each
// of active (outside the timer): on the tick (the shard reads every
// socket), or, with poll, from readiness first (the tick reads none).
func (sb *shardBench) run(b *testing.B, active []*Stream, poll bool) {
	sb.sh.active = nil
	if poll {
		sb.sh.active = sb.sh.poll
	}
	want := handled(active)
	step := func() {
		b.StopTimer() // the sending is the benchmark's, not the shard's
		sb.send(b, active)
		want += uint64(len(active))
		b.StartTimer()
		for poll && handled(active) < want {
			if err := sb.sh.pollReady(wait); err != nil {
				b.Fatal(err)
			}
		}
		sb.sh.tick(1, 0)
	}
	step() // the sources are learned (which logs) before the timer
	step()
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
	b.StopTimer()
	if got := handled(active); got != want {
		b.Fatalf("%d packets handled, %d sent", got, want)
	}
}

// BenchmarkShardIdle is one tick of a shard serving idle streams (nothing
// received, nothing sent) and one that receives a packet per tick. On the
// tick, every idle socket costs a read that finds it empty; with readiness
// polling, an idle socket costs nothing and the active one one read.
func BenchmarkShardIdle(b *testing.B) {
	for _, n := range []int{100, 500} {
		sb := newShardBench(b, n+1)
		active := sb.streams[:1]
		for _, mode := range []string{"tick", "poll"} {
			b.Run(fmt.Sprintf("%s/idle=%d", mode, n), func(b *testing.B) { sb.run(b, active, mode == "poll") })
		}
	}
}

// BenchmarkShardBusy is one tick of a shard whose streams each receive a
// packet per tick: on the tick, each costs a read for the packet and one
// that finds the socket empty; with readiness polling, one read, and a
// wait shared by the streams readable at once.
func BenchmarkShardBusy(b *testing.B) {
	for _, n := range []int{100, 500} {
		sb := newShardBench(b, n)
		for _, mode := range []string{"tick", "poll"} {
			b.Run(fmt.Sprintf("%s/streams=%d", mode, n), func(b *testing.B) { sb.run(b, sb.streams, mode == "poll") })
		}
	}
}
