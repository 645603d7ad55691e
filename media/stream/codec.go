package stream

import (
	"strconv"

	"github.com/ivrbox/ivrbox/media/g711"
)

// Codec is an audio codec, identified by its static RTP payload type.
type Codec uint8

// The supported codecs.
const (
	// PCMU is G.711 µ-law, RTP payload type 0.
	PCMU Codec = 0
	// PCMA is G.711 A-law, RTP payload type 8.
	PCMA Codec = 8
)

// String returns the codec's SDP encoding name.
func (c Codec) String() string {
	switch c {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	}
	return "PT" + strconv.Itoa(int(c))
}

func (c Codec) valid() bool { return c == PCMU || c == PCMA }

// silence returns the codec's silence byte.
func (c Codec) silence() byte {
	if c == PCMA {
		return g711.SilenceALaw
	}
	return g711.SilenceULaw
}

// encode encodes linear samples into a payload in the codec.
func (c Codec) encode(dst []byte, src []int16) int {
	if c == PCMA {
		return g711.EncodeALaw(dst, src)
	}
	return g711.EncodeULaw(dst, src)
}

// decode decodes a payload in the codec into linear samples.
func (c Codec) decode(dst []int16, src []byte) int {
	if c == PCMA {
		return g711.DecodeALaw(dst, src)
	}
	return g711.DecodeULaw(dst, src)
}
