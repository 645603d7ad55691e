package stream

import (
	"net/netip"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// tick is one stream's work for one shard tick: drain what has arrived,
// then send send frames after skipping skip.
func (s *Stream) tick(send, skip int) {
	s.ioTick(send, skip)
	s.reportDigits()
}

// ioTick is tick's socket work, done with s.io held (released even on a
// panic, after which the shard closes the stream, which takes s.io).
func (s *Stream) ioTick(send, skip int) {
	s.io.Lock()
	defer s.io.Unlock()
	if s.closed.Load() {
		return
	}
	m := &s.media
	m.ticks++
	s.sync()
	s.drain()
	if skip > 0 {
		m.ts += uint32(skip * frameSamples)
		m.marker = true
	}
	for range send {
		s.sendFrame()
	}
}

// sync copies the control settings the receive path needs.
func (s *Stream) sync() {
	m := &s.media
	s.mu.Lock()
	defer s.mu.Unlock()
	m.codec, m.dtmfPT, m.leg, m.remote = s.codec, s.dtmfPT, s.link, s.remote
	if s.relearn {
		s.relearn = false
		s.learned = netip.AddrPort{}
		m.source, m.cands = netip.AddrPort{}, [learnSlots]candidate{}
		m.receiver.Reset()
		m.detector.Reset()
	}
}

// outFrame is what one frame sends.
type outFrame struct {
	dst     netip.AddrPort
	pt      uint8
	ts      uint32
	marker  bool
	payload []byte
	done    chan struct{} // a playback to close once sent
}

// sendFrame sends the next frame (audio, or an event while a digit is
// sent) and advances the RTP clock by one frame.
func (s *Stream) sendFrame() {
	m := &s.media
	f, ok := s.nextFrame()
	m.ts += frameSamples
	if !ok {
		return
	}
	s.write(f)
	if f.done != nil {
		close(f.done)
	}
}

// nextFrame decides what the frame at the current RTP time carries; ok is
// false when nothing is sent (hold, or no address to send to). While
// bridged, a frame of the other stream's audio is taken every frame, even
// one that is not sent.
func (s *Stream) nextFrame() (f outFrame, ok bool) {
	m := &s.media
	s.mu.Lock()
	defer s.mu.Unlock()
	relayed := m.leg != nil && m.leg.take(s.codec)
	f.dst = m.source
	if !f.dst.IsValid() {
		f.dst = s.remote
	}
	if !s.sending || !f.dst.IsValid() || f.dst.Port() == 0 {
		m.sender.Stop()
		m.marker = true
		return f, false
	}
	if ev, marker, isEvent := s.nextEventLocked(); isEvent {
		n, _ := ev.MarshalTo(m.frame[:dtmf.EventSize])
		f.pt, f.ts, f.marker, f.payload = s.dtmfPT, m.eventTS, marker, m.frame[:n]
		return f, true
	}
	if m.leg != nil {
		m.leg.fill(m.frame[:], s.codec, relayed)
	} else {
		f.done = s.play.fill(m.frame[:], s.codec.silence())
	}
	f.pt, f.ts, f.marker, f.payload = uint8(s.codec), m.ts, m.marker, m.frame[:]
	m.marker = false
	return f, true
}

// nextEventLocked returns the next telephone-event packet if a digit is
// being sent or one is due to start.
func (s *Stream) nextEventLocked() (ev dtmf.Event, marker, ok bool) {
	m := &s.media
	if s.dtmfPT == 0 {
		m.sender.Stop()
		return ev, false, false
	}
	if !m.sender.Active() {
		if m.gap > 0 {
			m.gap--
			return ev, false, false
		}
		key, d, queued := s.digits.pop()
		if !queued || m.sender.Start(key, d) != nil {
			return ev, false, false
		}
		m.eventTS = m.ts
	}
	ev, marker, ok = m.sender.Next()
	if ok && !m.sender.Active() {
		m.gap = digitGap
	}
	return ev, marker, ok
}

// write marshals and sends one packet.
func (s *Stream) write(f outFrame) {
	m := &s.media
	h := &m.hdrOut
	h.PayloadType, h.Marker, h.Timestamp, h.SequenceNumber = f.pt, f.marker, f.ts, m.seq
	m.seq++
	n, err := h.MarshalTo(m.out[:])
	if err == nil {
		n += copy(m.out[n:], f.payload)
		err = s.rtp.writeTo(m.out[:n], f.dst)
	}
	if err != nil {
		s.stats.sendErrs.Add(1)
		if !m.sendErr && !s.closed.Load() {
			m.sendErr = true
			s.log.Warn("rtp send failed (further errors only counted)", "to", f.dst, "err", err)
		}
		return
	}
	s.stats.packetsOut.Add(1)
	s.stats.bytesOut.Add(uint64(n))
}
