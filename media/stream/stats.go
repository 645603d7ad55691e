package stream

import (
	"net/netip"
	"sync/atomic"
)

// Stats are a stream's counters since it opened.
type Stats struct {
	// PacketsIn and BytesIn count packets accepted from the source.
	PacketsIn, BytesIn uint64
	// PacketsOut and BytesOut count packets sent.
	PacketsOut, BytesOut uint64
	// Strangers counts packets dropped because they came from another
	// address than the learned source.
	Strangers uint64
	// Invalid counts packets that are not RTP this stream accepts: bad
	// header, unknown payload type, bad telephone-event payload, oversize.
	Invalid uint64
	// Probation counts valid packets dropped while learning the source.
	Probation uint64
	// SendErrors counts packets the socket refused to send.
	SendErrors uint64
	// AuthFailed counts SRTP packets dropped because they failed
	// authentication (a wrong key, a forgery, an unknown MKI).
	AuthFailed uint64
	// Replayed counts SRTP packets dropped as replays (already received,
	// or older than the replay window).
	Replayed uint64
	// Learned is the learned source address; invalid until learned.
	Learned netip.AddrPort
}

// counters are the atomically updated Stats counters.
type counters struct {
	packetsIn, bytesIn, packetsOut, bytesOut atomic.Uint64
	strangers, invalid, probation, sendErrs  atomic.Uint64
	authFailed, replayed                     atomic.Uint64
}

// Stats returns the stream's counters.
func (s *Stream) Stats() Stats {
	c := &s.stats
	st := Stats{
		PacketsIn:  c.packetsIn.Load(),
		BytesIn:    c.bytesIn.Load(),
		PacketsOut: c.packetsOut.Load(),
		BytesOut:   c.bytesOut.Load(),
		Strangers:  c.strangers.Load(),
		Invalid:    c.invalid.Load(),
		Probation:  c.probation.Load(),
		SendErrors: c.sendErrs.Load(),
		AuthFailed: c.authFailed.Load(),
		Replayed:   c.replayed.Load(),
	}
	s.mu.Lock()
	st.Learned = s.learned
	s.mu.Unlock()
	return st
}
