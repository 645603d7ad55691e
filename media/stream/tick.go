package stream

import (
	"net/netip"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// tick is one stream's work for one shard tick: drain what has arrived on
// the RTP and RTCP sockets (unless drain or drainRTCP is false: the shard
// reads that socket when it is readable), then send send frames after
// skipping skip.
func (s *Stream) tick(send, skip int, drain, drainRTCP bool) {
	s.ioTick(send, skip, drain, drainRTCP)
	s.reportDigits()
}

// ready is one stream's work when its RTP socket is readable: the packets
// are handled at once, and the keys among them reported to the sinks and
// to OnDigit without waiting for the tick. It returns how many keys it
// reported.
func (s *Stream) ready() int {
	s.ioReady()
	return s.reportDigits()
}

// ioTick is tick's socket work, done with s.io held (released even on a
// panic, after which the shard closes the stream, which takes s.io). The
// sinks and the source are loaded once, at the start; a change waits for
// the tick to end (RemoveSink, SetSource), so none is used after.
func (s *Stream) ioTick(send, skip int, drain, drainRTCP bool) {
	s.io.Lock()
	defer s.io.Unlock()
	if s.closed.Load() {
		return
	}
	m := &s.media
	m.ticks++
	sinks, src := s.begin(), s.source.Load().get()
	if drain {
		s.drainRTP(readsPerTick)
	}
	if drainRTCP && m.ticks%rtcpEvery == 0 {
		s.drainRTCP(readsPerTick)
	}
	if skip > 0 {
		m.ts += uint32(skip * frameSamples)
		m.index += uint64(skip)
		m.marker = true
	}
	for range send {
		s.sendFrame(src, sinks)
	}
	if m.tapping {
		s.tellKeys(sinks)
	}
}

// readyRTCP discards what arrived on the readable RTCP socket.
func (s *Stream) readyRTCP() {
	s.io.Lock()
	defer s.io.Unlock()
	if !s.closed.Load() {
		s.drainRTCP(readsPerReady)
	}
}

// ioReady is ready's socket work, done with s.io held like ioTick's.
func (s *Stream) ioReady() {
	s.io.Lock()
	defer s.io.Unlock()
	if s.closed.Load() {
		return
	}
	sinks := s.begin()
	s.drainRTP(readsPerReady)
	if s.media.tapping {
		s.tellKeys(sinks)
	}
}

// begin starts a tick's or a readiness report's work: it copies the
// control settings and loads the sinks, which received audio and keys go
// to.
func (s *Stream) begin() []sinkEntry {
	m := &s.media
	s.sync()
	sinks := s.sinkList()
	m.tapping = len(sinks) > 0
	if !m.tapping {
		m.playout.reset() // a sink added later starts from fresh audio
	}
	return sinks
}

// sync copies the control settings the receive path needs.
func (s *Stream) sync() {
	m := &s.media
	s.mu.Lock()
	defer s.mu.Unlock()
	m.codec, m.dtmfPT, m.remote, m.signal = s.codec, s.dtmfPT, s.remote, s.signal
	if s.secureSet {
		s.secureSet = false
		m.secure = s.secure
	}
	if s.relearn {
		s.relearn = false
		s.learned = netip.AddrPort{}
		m.source, m.cands, m.lock = netip.AddrPort{}, [learnSlots]candidate{}, ssrcLock{}
		m.receiver.Reset()
		if m.detector != nil {
			m.detector.Reset()
		}
	}
}

// outFrame is what one frame sends.
type outFrame struct {
	dst     netip.AddrPort
	pt      uint8
	ts      uint32
	marker  bool
	audio   bool // payload is audio (m.tap.Out), not a telephone-event
	payload []byte
	done    chan struct{} // a playback to close once sent
}

// sendFrame sends the next frame (audio, or an event while a digit is
// sent), hands it to the sinks, and advances the stream's clock by one
// frame.
func (s *Stream) sendFrame(src Source, sinks []sinkEntry) {
	m := &s.media
	f, ok := s.nextFrame(src)
	m.ts += frameSamples
	if ok {
		s.write(f)
		if f.done != nil {
			close(f.done)
		}
	}
	if len(sinks) > 0 {
		s.tap(sinks, ok && f.audio)
	}
	m.index++
}

// nextFrame decides what the frame at the current RTP time carries; ok is
// false when nothing is sent (hold, or no address to send to). Audio is
// made in m.tap.Out, in the codec of the tick. A source is read every
// frame, sent or not (hold, a telephone-event), so a live one (the other
// leg of a bridge) stays current; it is read before s.mu is taken, as it
// is code from outside.
func (s *Stream) nextFrame(src Source) (f outFrame, ok bool) {
	m := &s.media
	c, audio := m.codec, m.tap.Out[:]
	sourced := src != nil && src.ReadFrame(audio, c)
	s.mu.Lock()
	defer s.mu.Unlock()
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
		n, _ := ev.MarshalTo(m.event[:])
		f.pt, f.ts, f.marker, f.payload = s.dtmfPT, m.eventTS, marker, m.event[:n]
		return f, true
	}
	switch {
	case src == nil:
		f.done = s.play.fill(audio, c.silence())
	case !sourced:
		fillSilence(audio, c)
	}
	f.pt, f.ts, f.marker, f.audio, f.payload = uint8(c), m.ts, m.marker, true, audio
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
		pkt := m.out[:n]
		if m.secure != nil {
			pkt, err = s.encrypt(m.secure, pkt)
			n = len(pkt)
		}
		if err == nil {
			err = s.rtp.writeTo(pkt, f.dst)
		}
	}
	if err != nil {
		s.stats.sendErrs.Add(1)
		if !m.sendErr && !s.closed.Load() {
			m.sendErr = true
			s.log.Warn("rtp send failed (further errors only counted)", "to", f.dst, "err", err)
		}
		return
	}
	s.quality.sent(s.stats.packetsOut.Add(1))
	s.stats.bytesOut.Add(uint64(n))
}
