package sdp

import (
	"fmt"
	"slices"
)

// Negotiate parses an offer and picks the first payload type, in the offer's
// order, whose codec is in supported (PCMU and/or PCMA). The result carries
// the offer's address, telephone-event type, ptime, direction and rtpmap, with
// Codecs holding only the chosen payload type; pass it to Answer. An offer
// without a supported codec yields ErrNoCodec (answer 488).
func Negotiate(offer []byte, supported []uint8) (Media, error) {
	d, err := Parse(offer)
	if err != nil {
		return Media{}, err
	}
	return choose(d.Audio, supported)
}

// ParseAnswer parses the peer's answer to our Offer and returns its audio
// stream with Codecs holding the first PCMU or PCMA payload type it accepted.
// A rejected stream (port 0) yields ErrNoAudio; no G.711 codec, ErrNoCodec.
func ParseAnswer(body []byte) (Media, error) {
	d, err := Parse(body)
	if err != nil {
		return Media{}, err
	}
	return choose(d.Audio, []uint8{PCMU, PCMA})
}

// choose narrows m.Codecs to the first payload type whose codec is
// supported, preferring the static types (0, 8) to a dynamic one that maps
// to the same codec.
func choose(m Media, supported []uint8) (Media, error) {
	for _, static := range []bool{true, false} {
		for _, pt := range m.Codecs {
			if c, ok := m.Codec(pt); ok && (pt < 96) == static && slices.Contains(supported, c) {
				m.Codecs = []uint8{pt}
				return m, nil
			}
		}
	}
	return Media{}, fmt.Errorf("%w: offered payload types %v, supported codecs %v", ErrNoCodec, m.Codecs, supported)
}
