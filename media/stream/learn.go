package stream

import "net/netip"

// ssrcQuietTicks is how long (in 20 ms ticks) the learned SSRC must be
// silent before another SSRC from the learned address may take its place.
const ssrcQuietTicks = 10

// ssrcLock is the SSRC a learned source is held to, and the one that may
// replace it (a peer restarting its stream), all on the shard goroutine.
type ssrcLock struct {
	ssrc   uint32 // the learned source's SSRC
	seen   uint64 // tick of its last packet
	next   uint32 // a new SSRC from the learned address...
	seq    uint16 // ...its last sequence number...
	count  int    // ...and its consecutive packets
	locked bool
}

// SetSignal sets the IP address the call's signalling comes from. Until a
// source is learned, packets are taken only from the SDP address, from
// this IP (any port: a caller behind NAT whose media leaves from another
// port than the SDP says), or from anywhere with Config.LearnAny; packets
// from other addresses are counted as strangers and dropped unread.
func (s *Stream) SetSignal(ip netip.Addr) {
	s.mu.Lock()
	s.signal = ip.Unmap()
	s.mu.Unlock()
}

// mayLearn reports whether a source may be learned from addr.
func (m *media) mayLearn(addr netip.AddrPort) bool {
	if m.learnAny || addr == m.remote {
		return true
	}
	return m.signal.IsValid() && addr.Addr().Unmap() == m.signal
}

// ssrcOK reports whether the packet just parsed (m.hdr) from the learned
// source carries its SSRC. Another SSRC is taken only from the learned
// address, once the learned one has been silent for ssrcQuietTicks, after
// learnConsecutive packets in sequence: a spoofer that copies the caller's
// address gets nothing while the caller still sends.
func (m *media) ssrcOK() bool {
	l := &m.lock
	ssrc, seq := m.hdr.SSRC, m.hdr.SequenceNumber
	if !l.locked || ssrc == l.ssrc {
		l.ssrc, l.seen, l.locked, l.count = ssrc, m.ticks, true, 0
		return true
	}
	if m.ticks-l.seen < ssrcQuietTicks {
		l.count = 0
		return false
	}
	if l.count > 0 && ssrc == l.next && seq == l.seq+1 {
		l.count++
	} else {
		l.next, l.count = ssrc, 1
	}
	l.seq = seq
	if l.count < learnConsecutive {
		return false
	}
	l.ssrc, l.seen, l.count = ssrc, m.ticks, 0
	return true
}
