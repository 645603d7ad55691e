package sdp

import (
	"net/netip"
	"strconv"
	"strings"
)

// G.711 codecs, named by their static RTP payload type (RFC 3551).
const (
	PCMU uint8 = 0 // G.711 µ-law
	PCMA uint8 = 8 // G.711 A-law
)

// Stream directions (RFC 3264 section 5.1). A stream without a direction
// attribute is SendRecv.
const (
	SendRecv = "sendrecv"
	SendOnly = "sendonly"
	RecvOnly = "recvonly"
	Inactive = "inactive"
)

// Description is a parsed session description reduced to what a call needs.
type Description struct {
	// SessionID and Version are the o= line's sess-id and sess-version. A peer
	// that re-sends an unchanged version sends an unchanged session.
	SessionID, Version uint64
	// Audio is the first usable audio stream.
	Audio Media
}

// Media is one RTP audio stream as described by one side.
type Media struct {
	// Addr is where the describing side receives RTP: the c= address (the
	// media-level line over the session-level one) and the m= port. An
	// unspecified address (c=IN IP4 0.0.0.0) means "do not send to me" (hold).
	Addr netip.AddrPort
	// Codecs lists the m= line's payload types in the order given (the
	// sender's preference), telephone-event and unknown ones included. In a
	// Media returned by Negotiate or ParseAnswer it holds only the chosen one.
	Codecs []uint8
	// DTMFPT is the payload type mapped to telephone-event/8000, 0 if none.
	DTMFPT uint8
	// Ptime is the a=ptime value in milliseconds, 0 when absent.
	Ptime int
	// Direction is SendRecv, SendOnly, RecvOnly or Inactive, from the
	// describing side's point of view. A c= address of 0.0.0.0 (RFC 2543
	// hold) turns SendRecv into SendOnly and RecvOnly into Inactive.
	Direction string
	// Rtpmap maps each payload type named by an a=rtpmap line to its
	// encoding as written, e.g. 96 → "PCMU/8000" or 101 → "telephone-event/8000".
	Rtpmap map[uint8]string
	// Profile is the m= line's transport: RTP/AVP, RTP/AVPF, RTP/SAVP or
	// RTP/SAVPF.
	Profile string
	// Crypto lists the stream's a=crypto attributes that we can use, in the
	// order given (the sender's preference); unusable ones are skipped. An
	// RTP/AVP stream may carry some too (best-effort SRTP).
	Crypto []Crypto
	// Lines lists every m= line of the description and Index is this
	// stream's position among them, so an answer keeps the offer's m= lines
	// (RFC 3264 section 6). Lines is nil in a Media built by hand.
	Lines []MLine
	Index int
}

// Secure reports whether the profile is SRTP (RTP/SAVP or RTP/SAVPF).
func (m Media) Secure() bool { return strings.HasPrefix(m.Profile, "RTP/SAVP") }

// Codec reports which G.711 codec (PCMU or PCMA) payload type pt stands for in
// m: a static type 0 or 8 without an rtpmap, or any type whose rtpmap names
// PCMU/8000 or PCMA/8000 (one channel).
func (m Media) Codec(pt uint8) (uint8, bool) {
	enc, ok := m.Rtpmap[pt]
	if !ok {
		if pt == PCMU || pt == PCMA {
			return pt, true
		}
		return 0, false
	}
	name, rate, channels := splitEncoding(enc)
	if rate != 8000 || channels != 1 {
		return 0, false
	}
	switch {
	case strings.EqualFold(name, "PCMU"):
		return PCMU, true
	case strings.EqualFold(name, "PCMA"):
		return PCMA, true
	}
	return 0, false
}

// OnHold reports whether the describing side does not want to receive media
// (sendonly or inactive, including the c=0.0.0.0 form).
func (m Media) OnHold() bool {
	return m.Direction == SendOnly || m.Direction == Inactive
}

// splitEncoding splits "PCMU/8000/1" into its name, clock rate and channel
// count (1 when absent). A malformed rate yields 0.
func splitEncoding(enc string) (name string, rate, channels int) {
	name, rest, _ := strings.Cut(enc, "/")
	rateStr, chStr, hasCh := strings.Cut(rest, "/")
	rate, err := strconv.Atoi(rateStr)
	if err != nil {
		rate = 0
	}
	channels = 1
	if hasCh {
		if channels, err = strconv.Atoi(chStr); err != nil {
			channels = 0
		}
	}
	return name, rate, channels
}

// mirror returns the direction an answerer uses for an offer's direction.
func mirror(dir string) string {
	switch dir {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	}
	return SendRecv
}

// staticEncoding names the payload types we may put in an answer without the
// peer's rtpmap.
func staticEncoding(pt uint8) string {
	switch pt {
	case PCMU:
		return "PCMU/8000"
	case PCMA:
		return "PCMA/8000"
	}
	return ""
}
