package fork

import (
	"math/rand/v2"
	"net/netip"
	"sync/atomic"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/stream"
)

// maxPacket is the size of one forked packet: a 12-byte RTP header and a
// 20 ms G.711 frame.
const maxPacket = 12 + stream.FrameSamples

// Silent payloads, sent for a direction that had no audio in a frame.
var (
	silenceU = silence(stream.PCMU)
	silenceA = silence(stream.PCMA)
)

func silence(c stream.Codec) (b [stream.FrameSamples]byte) {
	for i := range b {
		b[i] = c.Silence()
	}
	return b
}

// silent returns the silent payload of codec c.
func silent(c stream.Codec) []byte {
	if c == stream.PCMA {
		return silenceA[:]
	}
	return silenceU[:]
}

// leg is the RTP stream of one direction of a fork to its target.
type leg struct {
	to netip.AddrPort // zero: this direction is not sent

	// Owned by the sender serving the fork (see Fork).
	hdr     rtp.Header
	started bool
	last    uint64 // Frame.Index of the last packet

	packets, bytes, errors atomic.Uint64
}

// init sets the leg up to send to target to with a random SSRC other than
// avoid, a random first sequence number and the first timestamp ts (RFC
// 3550 5.1: random; a fork gives both its legs the same, so a receiver
// can line the two directions up).
func (l *leg) init(to netip.AddrPort, avoid, ts uint32) {
	l.to = to
	l.hdr.Version = 2
	for l.hdr.SSRC == 0 || l.hdr.SSRC == avoid {
		l.hdr.SSRC = rand.Uint32()
	}
	l.hdr.SequenceNumber = uint16(rand.Uint32())
	l.hdr.Timestamp = ts
}

// on reports whether the leg sends.
func (l *leg) on() bool { return l.to.IsValid() }

// advance sets the header for the frame of index idx in codec c: the
// sequence number goes up by one, the timestamp by 160 per frame of the
// stream's clock. A gap in the index (frames the tap dropped, or a stream
// that skipped) and the first packet set the marker bit; an index that
// does not go forward counts as one frame, with the marker.
func (l *leg) advance(idx uint64, c stream.Codec) {
	l.hdr.PayloadType = uint8(c) & 0x7f
	if !l.started {
		l.started, l.last, l.hdr.Marker = true, idx, true
		return
	}
	step := uint64(1)
	if idx > l.last {
		step = idx - l.last
	}
	l.hdr.Marker = step != 1 || idx <= l.last
	l.hdr.SequenceNumber++
	l.hdr.Timestamp += uint32(step * stream.FrameSamples)
	l.last = idx
}

// marshal writes the packet of payload into buf (maxPacket long) and
// returns its length.
func (l *leg) marshal(buf, payload []byte) (int, error) {
	n, err := l.hdr.MarshalTo(buf)
	if err != nil {
		return 0, err
	}
	return n + copy(buf[n:], payload), nil
}

// stats returns the leg's counters.
func (l *leg) stats() Direction {
	return Direction{Packets: l.packets.Load(), Bytes: l.bytes.Load(), Errors: l.errors.Load()}
}
