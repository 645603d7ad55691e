package sdp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	pionsdp "github.com/pion/sdp/v3"
)

// maxBody bounds the SDP we accept; real offers are well under 4 KiB.
const maxBody = 64 << 10

// Parse parses an SDP body and returns its first usable audio stream: the
// first m=audio line with a non-zero port and an RTP/AVP, RTP/AVPF,
// RTP/SAVP or RTP/SAVPF profile. Other media (video, application) are
// ignored. An SRTP stream without a usable a=crypto attribute, or any
// malformed a=crypto attribute, yields ErrCrypto.
func Parse(body []byte) (d *Description, err error) {
	if err := precheck(body); err != nil {
		return nil, err
	}
	defer func() { // defence in depth: the third-party parser sees network input
		if r := recover(); r != nil {
			d, err = nil, fmt.Errorf("%w: parser failure: %v", ErrMalformed, r)
		}
	}()
	var sd pionsdp.SessionDescription
	text := normalize(body)
	if err := sd.UnmarshalString(text); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, locate(text, err))
	}
	m, err := firstAudio(&sd)
	if err != nil {
		return nil, err
	}
	return &Description{SessionID: sd.Origin.SessionID, Version: sd.Origin.SessionVersion, Audio: m}, nil
}

// precheck rejects empty or oversized bodies and lines that are not
// "<letter>=<value>", naming the line, before the full parser runs.
func precheck(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("%w: empty body", ErrMalformed)
	}
	if len(body) > maxBody {
		return fmt.Errorf("%w: body of %d bytes exceeds %d", ErrMalformed, len(body), maxBody)
	}
	for i, line := range strings.Split(string(body), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z' {
			return fmt.Errorf("%w: line %d: %q is not <type>=<value>", ErrMalformed, i+1, clip(line))
		}
	}
	if !bytes.HasPrefix(bytes.TrimLeft(body, "\r\n"), []byte("v=")) {
		return fmt.Errorf("%w: does not start with v=", ErrMalformed)
	}
	return nil
}

var (
	pionPos   = regexp.MustCompile(`at pos (\d+)`)
	pionValue = regexp.MustCompile("`([^`]*)`")
)

// locate rewrites an error of the SDP parser to name the offending line:
// by the position a syntax error gives, or by the value others quote.
func locate(text string, err error) string {
	msg := strings.TrimPrefix(err.Error(), "sdp: ")
	lines := strings.SplitAfter(text, "\n")
	lineAt := func(match func(start int, line string) bool) string {
		start := 0
		for i, line := range lines {
			if match(start, line) {
				return fmt.Sprintf("%s (line %d: %q)", msg, i+1, clip(strings.TrimRight(line, "\r\n")))
			}
			start += len(line)
		}
		return msg
	}
	if m := pionPos.FindStringSubmatch(msg); m != nil {
		pos, _ := strconv.Atoi(m[1])
		return lineAt(func(start int, line string) bool { return pos < start+len(line) })
	}
	if m := pionValue.FindStringSubmatch(msg); m != nil && m[1] != "" {
		return lineAt(func(_ int, line string) bool { return strings.Contains(line, m[1]) })
	}
	return msg
}

// normalize drops leading blank lines and makes sure the last line ends with
// CRLF, which the parser needs to see the end of the last attribute.
func normalize(body []byte) string {
	s := strings.TrimLeft(string(body), "\r\n")
	if !strings.HasSuffix(s, "\n") {
		s += "\r\n"
	}
	return s
}

// firstAudio picks the first usable audio stream of sd.
func firstAudio(sd *pionsdp.SessionDescription) (Media, error) {
	rejected, other := 0, 0
	for i, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		if md.MediaName.Port.Value == 0 {
			rejected++
			continue
		}
		profile := strings.Join(md.MediaName.Protos, "/")
		if !rtpProfile(profile) {
			other++
			continue
		}
		m, err := audioMedia(sd, md, profile)
		if err != nil {
			return Media{}, fmt.Errorf("%w (in media %d, m=%s)", err, i+1, clip(md.MediaName.String()))
		}
		m.Lines, m.Index = mlines(sd), i
		return m, nil
	}
	switch {
	case rejected > 0:
		return Media{}, fmt.Errorf("%w: audio stream rejected (port 0)", ErrNoAudio)
	case other > 0:
		return Media{}, fmt.Errorf("%w: no RTP audio stream (only other transports)", ErrNoAudio)
	}
	return Media{}, fmt.Errorf("%w: no m=audio line", ErrNoAudio)
}

// rtpProfile reports whether the m= profile is RTP or SRTP with SDES keys
// (not DTLS-SRTP, UDP/TLS/RTP/SAVP, which needs a handshake we lack).
func rtpProfile(p string) bool {
	return p == "RTP/AVP" || p == "RTP/AVPF" || p == "RTP/SAVP" || p == "RTP/SAVPF"
}

// audioMedia reduces one m=audio section to a Media.
func audioMedia(sd *pionsdp.SessionDescription, md *pionsdp.MediaDescription, profile string) (Media, error) {
	m := Media{Direction: direction(sd.Attributes, SendRecv), Profile: profile}
	m.Direction = direction(md.Attributes, m.Direction)
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	addr, err := connAddr(ci)
	if err != nil {
		return Media{}, err
	}
	m.Addr = netip.AddrPortFrom(addr, uint16(md.MediaName.Port.Value))
	if addr.IsUnspecified() { // RFC 2543 hold: "do not send to me"
		switch m.Direction {
		case SendRecv:
			m.Direction = SendOnly
		case RecvOnly:
			m.Direction = Inactive
		}
	}
	for _, f := range md.MediaName.Formats {
		pt, err := payloadType(f)
		if err != nil {
			return Media{}, err
		}
		m.Codecs = append(m.Codecs, pt)
	}
	if err := attributes(md.Attributes, &m); err != nil {
		return Media{}, err
	}
	if m.Secure() && len(m.Crypto) == 0 {
		return Media{}, fmt.Errorf("%w: %s stream without a usable a=crypto attribute (suites %v, inline keys)", ErrCrypto, profile, Suites)
	}
	return m, nil
}

// connAddr reads the address of a c= line; nil ci means no c= line at all.
func connAddr(ci *pionsdp.ConnectionInformation) (netip.Addr, error) {
	if ci == nil || ci.Address == nil {
		return netip.Addr{}, fmt.Errorf("%w: no c= line at session or media level", ErrMalformed)
	}
	host, _, _ := strings.Cut(ci.Address.Address, "/") // multicast TTL/range
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: c=%s: address is not an IP literal", ErrMalformed, clip(ci.String()))
	}
	addr = addr.Unmap()
	if (ci.AddressType == "IP6") != addr.Is6() {
		return netip.Addr{}, fmt.Errorf("%w: c=%s: address does not match %s", ErrMalformed, clip(ci.String()), ci.AddressType)
	}
	return addr, nil
}

// payloadType parses one m= format as an RTP payload type (0-127).
func payloadType(f string) (uint8, error) {
	n, err := strconv.ParseUint(f, 10, 8)
	if err != nil || n > 127 {
		return 0, fmt.Errorf("%w: payload type %q is not 0-127", ErrMalformed, clip(f))
	}
	return uint8(n), nil
}

// attributes fills the rtpmap, telephone-event and ptime fields of m.
func attributes(attrs []pionsdp.Attribute, m *Media) error {
	for _, a := range attrs {
		switch a.Key {
		case "rtpmap":
			ptStr, enc, _ := strings.Cut(strings.TrimSpace(a.Value), " ")
			pt, err := payloadType(ptStr)
			if err != nil {
				return fmt.Errorf("a=rtpmap:%s: %w", clip(a.Value), err)
			}
			if m.Rtpmap == nil {
				m.Rtpmap = make(map[uint8]string, 4)
			}
			m.Rtpmap[pt] = strings.TrimSpace(enc)
		case "ptime":
			ms, err := strconv.Atoi(strings.TrimSpace(a.Value))
			if err != nil || ms <= 0 || ms > 1000 {
				return fmt.Errorf("%w: a=ptime:%s is not 1-1000 ms", ErrMalformed, clip(a.Value))
			}
			m.Ptime = ms
		case "crypto":
			c, err := ParseCrypto(a.Value)
			switch {
			case errors.Is(err, ErrUnsupported):
				continue // RFC 4568 section 5.1.1: ignore what we do not understand
			case err != nil:
				return fmt.Errorf("a=crypto:%s: %w", clipCrypto(a.Value), err)
			}
			m.Crypto = append(m.Crypto, c)
		}
	}
	for _, pt := range m.Codecs { // first telephone-event in m= order wins
		name, rate, _ := splitEncoding(m.Rtpmap[pt])
		if strings.EqualFold(name, "telephone-event") && rate == 8000 {
			m.DTMFPT = pt
			break
		}
	}
	return nil
}

// direction returns the last direction attribute in attrs, or def.
func direction(attrs []pionsdp.Attribute, def string) string {
	for _, a := range attrs {
		switch a.Key {
		case SendRecv, SendOnly, RecvOnly, Inactive:
			def = a.Key
		}
	}
	return def
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// clipCrypto shows an a=crypto value in an error without its key: the tag
// and suite only.
func clipCrypto(v string) string {
	f := strings.Fields(v)
	if len(f) > 2 {
		f = f[:2]
	}
	return clip(strings.Join(f, " ")) + " …"
}
