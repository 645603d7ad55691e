package stream

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// RTP header layout (RFC 3550) and the extension profiles pion/rtp parses.
const (
	headerLen        = 12
	extProfileOne    = 0xBEDE // RFC 8285 one-byte header extensions
	extProfileTwo    = 0x1000 // RFC 8285 two-byte header extensions
	extIDReserved    = 15     // one-byte form: stop parsing
	extIDPadding     = 0
	rtpVersion       = 2
	learnConsecutive = 2 // valid packets in a row that teach the source
	learnSlots       = 4 // addresses tracked at once while learning
)

// drainRTP handles up to reads packets waiting on the RTP socket. The tick
// drains until the socket is empty (readsPerTick at most). A readiness
// report reads readsPerReady: a socket still readable after that is
// reported again by the next wait (the poller is level-triggered), so a
// packet costs one read, not one plus the read that finds the socket empty.
func (s *Stream) drainRTP(reads int) {
	m := &s.media
	for range reads {
		b, trunc, from, ok := s.rtp.read(m.in[:])
		if !ok {
			break
		}
		if trunc {
			s.stats.invalid.Add(1) // truncated: larger than any packet we take
			continue
		}
		s.handle(b, from)
	}
}

// drainRTCP discards up to reads datagrams waiting on the RTCP socket (the
// tick does so every rtcpEvery ticks).
func (s *Stream) drainRTCP(reads int) {
	m := &s.media
	for range reads {
		if _, _, _, ok := s.rtcp.read(m.in[:]); !ok {
			break
		}
	}
}

// handle processes one received datagram.
func (s *Stream) handle(b []byte, from netip.AddrPort) {
	m := &s.media
	takeover := m.source.IsValid() && from != m.source && from == m.remote
	if m.source.IsValid() && from != m.source && !takeover || !m.source.IsValid() && !m.mayLearn(from) {
		s.stats.strangers.Add(1)
		return
	}
	if m.secure != nil {
		var ok bool
		if b, ok = s.decrypt(m.secure, b); !ok {
			return
		}
	}
	payload, ok := s.parse(b)
	if !ok {
		s.stats.invalid.Add(1)
		return
	}
	if (!m.source.IsValid() || takeover) && !s.learn(from) {
		s.stats.probation.Add(1)
		return
	}
	if !m.ssrcOK() {
		s.stats.strangers.Add(1) // another SSRC from the source's address: spoofed
		return
	}
	s.stats.packetsIn.Add(1)
	s.stats.bytesIn.Add(uint64(len(b)))
	s.quality.arrive(m.hdr.SequenceNumber, m.hdr.Timestamp, m.hdr.SSRC, time.Now())
	if m.dtmfPT != 0 && m.hdr.PayloadType == m.dtmfPT {
		s.event(payload)
		return
	}
	if m.tapping {
		m.playout.push(payload, m.codec)
	}
	if s.inband.Load() && (m.lastEvent == 0 || m.ticks-m.lastEvent > eventQuiet) {
		if m.detector == nil {
			m.detector = new(dtmf.Detector) // once a stream
		}
		n := m.codec.decode(m.pcm[:], payload)
		if key, ok := m.detector.Feed(m.pcm[:n]); ok {
			s.digit(key, SourceInband)
		}
	}
}

// parse checks b is an RTP packet of this stream's audio or event payload
// type, unmarshals its header into m.hdr and returns the payload.
func (s *Stream) parse(b []byte) ([]byte, bool) {
	m := &s.media
	if !headerOK(b) {
		return nil, false
	}
	n, err := m.hdr.Unmarshal(b)
	if err != nil {
		return nil, false
	}
	pt := m.hdr.PayloadType
	if pt != uint8(m.codec) && (m.dtmfPT == 0 || pt != m.dtmfPT) {
		return nil, false
	}
	end := len(b)
	if m.hdr.Padding {
		pad := int(b[end-1])
		if pad == 0 || pad > end-n {
			return nil, false
		}
		end -= pad
	}
	return b[n:end], true
}

// learn counts a valid packet from a candidate source and reports whether
// the source is now learned: it takes learnConsecutive packets with
// consecutive sequence numbers from one address. A few addresses are
// tracked at once, so stray packets from elsewhere do not hold up learning.
// The SDP address is a candidate even after another source was learned: a
// stray sender that got in first loses the stream once the peer the
// signalling named sends consecutive packets.
func (s *Stream) learn(from netip.AddrPort) bool {
	m := &s.media
	seq := m.hdr.SequenceNumber
	c := m.candidate(from)
	if c.count > 0 && seq == c.seq+1 {
		c.count++
	} else {
		c.count = 1
	}
	c.seq = seq
	if c.count < learnConsecutive {
		return false
	}
	m.source = from
	m.cands = [learnSlots]candidate{}
	m.lock = ssrcLock{}
	s.mu.Lock()
	s.learned = from
	s.mu.Unlock()
	s.log.Debug("rtp source learned", "source", from)
	return true
}

// candidate returns the learning slot of addr, taking over the oldest
// slot for a new address.
func (m *media) candidate(addr netip.AddrPort) *candidate {
	for i := range m.cands {
		if m.cands[i].addr == addr {
			return &m.cands[i]
		}
	}
	c := &m.cands[m.nextC]
	m.nextC = (m.nextC + 1) % learnSlots
	*c = candidate{addr: addr}
	return c
}

// event handles a telephone-event payload.
func (s *Stream) event(payload []byte) {
	m := &s.media
	ev, err := dtmf.ParseEvent(payload)
	if err != nil {
		s.stats.invalid.Add(1)
		return
	}
	m.lastEvent = m.ticks
	if key, ok := m.receiver.Packet(m.hdr.Timestamp, m.hdr.SequenceNumber, ev); ok {
		s.digit(key, SourceRFC4733)
	}
}

// heardKey is a key press waiting to be reported.
type heardKey struct {
	key    byte
	source string
}

// digit notes a received key press; reportDigits passes it on once the
// tick or the readiness work has let go of the sockets.
func (s *Stream) digit(key byte, source string) {
	m := &s.media
	if m.nkeys < len(m.keys) {
		m.keys[m.nkeys] = heardKey{key, source}
		m.nkeys++
	}
}

// reportDigits calls OnDigit for the keys heard by this tick or readiness
// work (the sinks had them at its end, with s.io held) and returns how
// many there were.
func (s *Stream) reportDigits() int {
	m := &s.media
	n := m.nkeys
	for i := range m.nkeys {
		k := m.keys[i]
		if s.onDigit != nil && !s.closed.Load() {
			s.onDigit(k.key, k.source)
		}
	}
	m.nkeys = 0
	return n
}

// headerOK reports whether b holds a complete version 2 RTP header that
// pion/rtp's Header.Unmarshal accepts, so that Unmarshal (whose errors
// allocate) is only called on packets it parses.
func headerOK(b []byte) bool {
	if len(b) < headerLen || b[0]>>6 != rtpVersion {
		return false
	}
	n := headerLen + int(b[0]&0x0F)*4
	if len(b) < n {
		return false
	}
	if b[0]&0x10 == 0 {
		return true
	}
	if len(b) < n+4 {
		return false
	}
	profile := binary.BigEndian.Uint16(b[n:])
	end := n + 4 + int(binary.BigEndian.Uint16(b[n+2:]))*4
	if len(b) < end {
		return false
	}
	switch profile {
	case extProfileOne:
		return extensionsOK(b[n+4:end], true)
	case extProfileTwo:
		return extensionsOK(b[n+4:end], false)
	}
	return true
}

// extensionsOK walks RFC 8285 extension elements as pion/rtp does.
func extensionsOK(b []byte, oneByte bool) bool {
	for i := 0; i < len(b); {
		if b[i] == extIDPadding {
			i++
			continue
		}
		var size int
		if oneByte {
			id := b[i] >> 4
			size = int(b[i]&0x0F) + 1
			i++
			if id == extIDReserved || id == extIDPadding {
				return true
			}
		} else {
			i++
			if i >= len(b) {
				return false
			}
			size = int(b[i])
			i++
		}
		if i+size > len(b) {
			return false
		}
		i += size
	}
	return true
}
