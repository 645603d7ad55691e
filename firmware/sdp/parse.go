package sdp

import (
	"bytes"
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
// first m=audio line with a non-zero port and an RTP/AVP or RTP/AVPF profile.
// Other media (video, application) are ignored.
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
	rejected, secure := 0, 0
	for i, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		if md.MediaName.Port.Value == 0 {
			rejected++
			continue
		}
		if !plainRTP(md.MediaName.Protos) {
			secure++
			continue
		}
		m, err := audioMedia(sd, md)
		if err != nil {
			return Media{}, fmt.Errorf("%w (in media %d, m=%s)", err, i+1, clip(md.MediaName.String()))
		}
		return m, nil
	}
	switch {
	case rejected > 0:
		return Media{}, fmt.Errorf("%w: audio stream rejected (port 0)", ErrNoAudio)
	case secure > 0:
		return Media{}, fmt.Errorf("%w: only secure (SAVP) audio offered", ErrNoAudio)
	}
	return Media{}, fmt.Errorf("%w: no m=audio line", ErrNoAudio)
}

// plainRTP reports whether the m= profile is RTP/AVP or RTP/AVPF (no SRTP).
func plainRTP(protos []string) bool {
	p := strings.Join(protos, "/")
	return p == "RTP/AVP" || p == "RTP/AVPF"
}

// audioMedia reduces one m=audio section to a Media.
func audioMedia(sd *pionsdp.SessionDescription, md *pionsdp.MediaDescription) (Media, error) {
	m := Media{Direction: direction(sd.Attributes, SendRecv)}
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
