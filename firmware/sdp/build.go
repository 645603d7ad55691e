package sdp

import (
	"net/netip"
	"strconv"
	"strings"
)

// OfferDTMFPT is the telephone-event payload type Offer uses.
const OfferDTMFPT uint8 = 101

// Answer builds our answer to an offer negotiated into m: RTP on local, the
// chosen codec m.Codecs[0] (with the offer's rtpmap name), telephone-event
// with the offer's payload type and events 0-16 when the offer had one,
// a=ptime:20, and the offer's direction mirrored (sendonly → recvonly,
// recvonly → sendonly, inactive and sendrecv unchanged).
//
// sessID stays fixed for the call and version must grow by one for each new
// answer in it (re-INVITE), per RFC 3264 section 8. A Media without codecs
// yields a rejected stream (port 0).
//
// With crypto (our key for the offer's tag and suite that we accept), the
// answer carries it as an a=crypto attribute and keeps the offer's profile:
// RTP/SAVP for an RTP/SAVP or RTP/SAVPF offer, RTP/AVP for a best-effort
// RTP/AVP offer with keys. Without, the profile is RTP/AVP.
//
// The answer has the offer's m= lines in the offer's order (m.Lines): every
// stream but the chosen audio one is rejected with port 0 (RFC 3264
// section 6).
func Answer(local netip.AddrPort, m Media, sessID, version uint64, crypto ...Crypto) []byte {
	var b strings.Builder
	header(&b, local.Addr(), sessID, version)
	answerLines(&b, m, func() { answerAudio(&b, local.Port(), m, crypto) })
	return []byte(b.String())
}

// answerAudio writes the m=audio section of our answer to m.
func answerAudio(b *strings.Builder, port uint16, m Media, crypto []Crypto) {
	if len(m.Codecs) == 0 {
		b.WriteString("m=audio 0 RTP/AVP 0\r\n")
		return
	}
	pt := m.Codecs[0]
	enc := m.Rtpmap[pt]
	if enc == "" {
		enc = staticEncoding(pt)
	}
	pts := []uint8{pt}
	if m.DTMFPT != 0 && m.DTMFPT != pt {
		pts = append(pts, m.DTMFPT)
	}
	profile := "RTP/AVP"
	if len(crypto) > 0 && m.Secure() {
		profile = "RTP/SAVP"
	}
	mline(b, port, profile, pts)
	rtpmap(b, pt, enc)
	if len(pts) > 1 {
		rtpmap(b, m.DTMFPT, "telephone-event/8000")
		fmtp(b, m.DTMFPT)
	}
	b.WriteString("a=ptime:20\r\na=" + mirror(m.Direction) + "\r\n")
	cryptoLines(b, crypto)
}

// Offer builds our offer for a call we place or a late-offer INVITE: PCMU,
// PCMA and telephone-event (OfferDTMFPT, events 0-16), 20 ms, sendrecv.
// With crypto (our keys, one per suite we offer) the stream is RTP/SAVP
// with an a=crypto attribute each: a peer without SRTP must refuse it.
func Offer(local netip.AddrPort, sessID, version uint64, crypto ...Crypto) []byte {
	profile := "RTP/AVP"
	if len(crypto) > 0 {
		profile = "RTP/SAVP"
	}
	return offer(local, sessID, version, profile, crypto)
}

// OfferBestEffort is Offer for optional SRTP: an RTP/AVP stream that also
// carries our a=crypto attributes. A peer with SRTP answers with its key
// and the call is encrypted; one without ignores them and answers plain.
func OfferBestEffort(local netip.AddrPort, sessID, version uint64, crypto []Crypto) []byte {
	return offer(local, sessID, version, "RTP/AVP", crypto)
}

func offer(local netip.AddrPort, sessID, version uint64, profile string, crypto []Crypto) []byte {
	var b strings.Builder
	header(&b, local.Addr(), sessID, version)
	mline(&b, local.Port(), profile, []uint8{PCMU, PCMA, OfferDTMFPT})
	rtpmap(&b, PCMU, "PCMU/8000")
	rtpmap(&b, PCMA, "PCMA/8000")
	rtpmap(&b, OfferDTMFPT, "telephone-event/8000")
	fmtp(&b, OfferDTMFPT)
	b.WriteString("a=ptime:20\r\na=sendrecv\r\n")
	cryptoLines(&b, crypto)
	return []byte(b.String())
}

// cryptoLines writes one a=crypto line per attribute.
func cryptoLines(b *strings.Builder, crypto []Crypto) {
	for _, c := range crypto {
		b.WriteString("a=crypto:" + c.attribute() + "\r\n")
	}
}

// header writes v=, o=, s=, c= and t=.
func header(b *strings.Builder, ip netip.Addr, sessID, version uint64) {
	ip = ip.Unmap()
	family := "IP4"
	if ip.Is6() {
		family = "IP6"
	}
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	addr := ip.WithZone("").String()
	b.WriteString("v=0\r\no=ivrbox ")
	b.WriteString(strconv.FormatUint(sessID, 10) + " " + strconv.FormatUint(version, 10))
	b.WriteString(" IN " + family + " " + addr + "\r\n")
	b.WriteString("s=ivrbox\r\nc=IN " + family + " " + addr + "\r\nt=0 0\r\n")
}

func mline(b *strings.Builder, port uint16, profile string, pts []uint8) {
	b.WriteString("m=audio " + strconv.Itoa(int(port)) + " " + profile)
	for _, pt := range pts {
		b.WriteString(" " + strconv.Itoa(int(pt)))
	}
	b.WriteString("\r\n")
}

func rtpmap(b *strings.Builder, pt uint8, enc string) {
	b.WriteString("a=rtpmap:" + strconv.Itoa(int(pt)) + " " + enc + "\r\n")
}

func fmtp(b *strings.Builder, pt uint8) {
	b.WriteString("a=fmtp:" + strconv.Itoa(int(pt)) + " 0-16\r\n")
}
