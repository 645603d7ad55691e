package record

import (
	"encoding/binary"
	"fmt"
)

// headerSize is the size of the canonical WAV header written here: RIFF,
// a 16-byte fmt chunk and the data chunk's header.
const headerSize = 44

// maxData is the largest data chunk a WAV file can describe: its RIFF size
// (36 + data) must fit 32 bits.
const maxData = 0xFFFFFFFF - (headerSize - 8)

// putHeader writes the canonical header of a 16-bit PCM file at 8 kHz with
// channels channels and data bytes of audio into b (headerSize long).
func putHeader(b []byte, channels int, data int64) {
	_ = b[headerSize-1]
	align := 2 * channels
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(headerSize-8+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], sampleRate)
	binary.LittleEndian.PutUint32(b[28:], uint32(sampleRate*align))
	binary.LittleEndian.PutUint16(b[32:], uint16(align))
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
}

// putSizes rewrites the RIFF and data sizes of a canonical header in b for
// data bytes of audio.
func putSizes(b []byte, data int64) {
	binary.LittleEndian.PutUint32(b[4:], uint32(headerSize-8+data))
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
}

// wavHeader is what parseHeader reads from the start of a WAV file.
type wavHeader struct {
	Channels int    // 1 to 8
	Rate     int    // samples a second
	Bits     int    // bits a sample: 8, 16, 24 or 32
	Align    int    // bytes a sample frame (all channels)
	DataOff  int64  // offset of the first byte of audio
	DataSize uint32 // the data chunk's size as the header says (maybe stale)
}

// Limits of parseHeader.
const (
	fmtPCM        = 1
	fmtExtensible = 0xFFFE
	maxChannels   = 8
	maxRate       = 384000
)

// parseHeader reads the header of a PCM WAV file from b, its first bytes,
// up to the start of the data chunk. Chunks before the data chunk are
// skipped; the fmt chunk must come before it. The data chunk's size is
// returned as found, without checking it against the file.
func parseHeader(b []byte) (wavHeader, error) {
	var h wavHeader
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return h, fmt.Errorf("%w: not a RIFF WAVE file", errHeader)
	}
	haveFmt := false
	for pos := int64(12); pos+8 <= int64(len(b)); {
		id := string(b[pos : pos+4])
		size := int64(binary.LittleEndian.Uint32(b[pos+4:]))
		body := pos + 8
		switch id {
		case "fmt ":
			if size < 16 || body+16 > int64(len(b)) {
				return h, fmt.Errorf("%w: fmt chunk of %d bytes is short", errHeader, size)
			}
			if err := h.parseFmt(b[body : body+16]); err != nil {
				return h, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return h, fmt.Errorf("%w: data chunk before the fmt chunk", errHeader)
			}
			h.DataOff, h.DataSize = body, uint32(size)
			return h, nil
		}
		pos = body + size + size&1
	}
	return h, fmt.Errorf("%w: no data chunk in the first %d bytes", errHeader, len(b))
}

// parseFmt reads the first 16 bytes of a fmt chunk into h.
func (h *wavHeader) parseFmt(b []byte) error {
	tag := binary.LittleEndian.Uint16(b[0:])
	h.Channels = int(binary.LittleEndian.Uint16(b[2:]))
	h.Rate = int(binary.LittleEndian.Uint32(b[4:]))
	byteRate := int64(binary.LittleEndian.Uint32(b[8:]))
	h.Align = int(binary.LittleEndian.Uint16(b[12:]))
	h.Bits = int(binary.LittleEndian.Uint16(b[14:]))
	switch {
	case tag != fmtPCM && tag != fmtExtensible:
		return fmt.Errorf("%w: format code %#x is not PCM", errHeader, tag)
	case h.Channels < 1 || h.Channels > maxChannels:
		return fmt.Errorf("%w: %d channels", errHeader, h.Channels)
	case h.Bits != 8 && h.Bits != 16 && h.Bits != 24 && h.Bits != 32:
		return fmt.Errorf("%w: %d bits a sample", errHeader, h.Bits)
	case h.Rate < 1 || h.Rate > maxRate:
		return fmt.Errorf("%w: rate %d", errHeader, h.Rate)
	case h.Align != h.Channels*h.Bits/8 || byteRate != int64(h.Rate*h.Align):
		return fmt.Errorf("%w: block align %d and byte rate %d do not match %d channels of %d bits at %d Hz",
			errHeader, h.Align, byteRate, h.Channels, h.Bits, h.Rate)
	}
	return nil
}
