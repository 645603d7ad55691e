package prompt

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ivrbox/ivrbox/media/g711"
)

// WAV format codes (wFormatTag) this package decodes.
const (
	wavPCM        = 0x0001
	wavFloat      = 0x0003
	wavALaw       = 0x0006
	wavULaw       = 0x0007
	wavExtensible = 0xFFFE
)

// blockFrames is how many frames are converted per resampler write.
const blockFrames = 4096

// wavGUIDTail is bytes 2..15 of every KSDATAFORMAT_SUBTYPE GUID whose first
// two bytes are a classic format code (xxxx0000-0000-0010-8000-00aa00389b71).
const wavGUIDTail = "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"

// wavFormat is the parsed fmt chunk.
type wavFormat struct {
	code     uint16 // after resolving WAVE_FORMAT_EXTENSIBLE
	channels int
	rate     int
	bits     int // container bits per sample
	block    int // bytes per frame
}

// decodeWAV decodes a RIFF WAVE file to 8 kHz mono PCM.
func decodeWAV(data []byte, maxOut int) ([]int16, error) {
	f, body, err := parseWAV(data)
	if err != nil {
		return nil, err
	}
	frames := len(body) / f.block
	if err := checkLength(int64(frames), f.rate, maxOut); err != nil {
		return nil, fmt.Errorf("wav: %w", err)
	}
	r := newResampler(f.rate, maxOut)
	mono := make([]float32, min(frames, blockFrames))
	for start := 0; start < frames; start += len(mono) {
		n := min(len(mono), frames-start)
		f.mono(mono[:n], body[start*f.block:])
		if err := r.write(mono[:n]); err != nil {
			return nil, fmt.Errorf("wav: %w", err)
		}
	}
	return r.flush()
}

// parseWAV walks the RIFF chunks and returns the format and the sample data.
// A data chunk that claims more bytes than the file holds (a file cut short,
// or a streaming writer's 0xFFFFFFFF) is clamped to what is there; other
// chunks must be whole.
func parseWAV(b []byte) (wavFormat, []byte, error) {
	var f wavFormat
	switch {
	case len(b) < 12:
		return f, nil, fmt.Errorf("wav: %w: %d bytes, too short for a RIFF header", ErrCorrupt, len(b))
	case string(b[:4]) == "RF64":
		return f, nil, fmt.Errorf("wav: %w: RF64 (64-bit RIFF) files", ErrUnsupported)
	case string(b[:4]) != "RIFF":
		return f, nil, fmt.Errorf("wav: %w: no RIFF header (starts with %q)", ErrCorrupt, printable(b[:4]))
	case string(b[8:12]) != "WAVE":
		return f, nil, fmt.Errorf("wav: %w: RIFF form %q, not WAVE", ErrUnsupported, printable(b[8:12]))
	}
	var data []byte
	haveFmt, haveData := false, false
	for off := 12; len(b)-off >= 8 && !(haveFmt && haveData); {
		id := string(b[off : off+4])
		size := uint64(binary.LittleEndian.Uint32(b[off+4:]))
		off += 8
		left := uint64(len(b) - off)
		if size > left {
			if id != "data" {
				return f, nil, fmt.Errorf("wav: %w: %q chunk claims %d bytes, %d left", ErrCorrupt, printable([]byte(id)), size, left)
			}
			size = left
		}
		body := b[off : off+int(size)]
		switch {
		case id == "fmt " && !haveFmt:
			var err error
			if f, err = parseFmt(body); err != nil {
				return f, nil, err
			}
			haveFmt = true
		case id == "data" && !haveData:
			data, haveData = body, true
		}
		off += int(size + size&1) // chunks are padded to even sizes
	}
	switch {
	case !haveFmt:
		return f, nil, fmt.Errorf("wav: %w: no fmt chunk", ErrCorrupt)
	case !haveData:
		return f, nil, fmt.Errorf("wav: %w: no data chunk", ErrCorrupt)
	}
	return f, data, nil
}

// parseFmt parses and checks a fmt chunk body.
func parseFmt(b []byte) (wavFormat, error) {
	if len(b) < 16 {
		return wavFormat{}, fmt.Errorf("wav: %w: fmt chunk is %d bytes, want at least 16", ErrCorrupt, len(b))
	}
	le := binary.LittleEndian
	f := wavFormat{
		code:     le.Uint16(b[0:]),
		channels: int(le.Uint16(b[2:])),
		rate:     int(min(le.Uint32(b[4:]), 1<<24)), // out of range either way
		block:    int(le.Uint16(b[12:])),
		bits:     int(le.Uint16(b[14:])),
	}
	if f.code == wavExtensible {
		if len(b) < 40 {
			return f, fmt.Errorf("wav: %w: extensible fmt chunk is %d bytes, want 40", ErrCorrupt, len(b))
		}
		if string(b[26:40]) != wavGUIDTail {
			return f, fmt.Errorf("wav: %w: extensible sub-format GUID %x", ErrUnsupported, b[24:40])
		}
		f.code = le.Uint16(b[24:])
	}
	bits := f.bits
	switch f.code {
	case wavPCM:
		bits = (bits + 7) / 8 * 8 // 12-bit in 16, 20-bit in 24: left-justified
		if bits < 8 || bits > 32 {
			return f, fmt.Errorf("wav: %w: %d-bit PCM", ErrUnsupported, f.bits)
		}
	case wavFloat:
		if bits != 32 && bits != 64 {
			return f, fmt.Errorf("wav: %w: %d-bit float", ErrUnsupported, f.bits)
		}
	case wavALaw, wavULaw:
		if bits != 8 {
			return f, fmt.Errorf("wav: %w: %d-bit G.711", ErrUnsupported, f.bits)
		}
	default:
		return f, fmt.Errorf("wav: %w: format code 0x%04x%s", ErrUnsupported, f.code, wavCodeName(f.code))
	}
	f.bits = bits
	switch {
	case f.channels == 0:
		return f, fmt.Errorf("wav: %w: fmt chunk says 0 channels", ErrCorrupt)
	case f.channels > 64:
		return f, fmt.Errorf("wav: %w: %d channels", ErrUnsupported, f.channels)
	case f.rate < 1000 || f.rate > 768000:
		return f, fmt.Errorf("wav: %w: sample rate %d Hz", ErrUnsupported, f.rate)
	}
	need := f.channels * f.bits / 8
	if f.block == 0 {
		f.block = need
	}
	if f.block < need {
		return f, fmt.Errorf("wav: %w: block align %d, %d channels of %d bits need %d", ErrCorrupt, f.block, f.channels, f.bits, need)
	}
	return f, nil
}

// mono converts len(dst) frames of b to one channel (the mean of all
// channels), on the int16 scale.
func (f wavFormat) mono(dst []float32, b []byte) {
	width := f.bits / 8
	inv := 1 / float32(f.channels)
	for i := range dst {
		frame := b[i*f.block:]
		var sum float32
		for c := range f.channels {
			sum += f.sample(frame[c*width:])
		}
		dst[i] = sum * inv
	}
}

// sample decodes one sample at the start of b to the int16 scale.
func (f wavFormat) sample(b []byte) float32 {
	le := binary.LittleEndian
	switch {
	case f.code == wavULaw:
		return float32(g711.ULawSample(b[0]))
	case f.code == wavALaw:
		return float32(g711.ALawSample(b[0]))
	case f.code == wavFloat && f.bits == 32:
		return finite(float64(math.Float32frombits(le.Uint32(b))))
	case f.code == wavFloat:
		return finite(math.Float64frombits(le.Uint64(b)))
	case f.bits == 8:
		return float32(int(b[0])-128) * 256
	case f.bits == 16:
		return float32(int16(le.Uint16(b)))
	case f.bits == 24:
		return float32(int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24)) / 65536
	default: // 32-bit
		return float32(int32(le.Uint32(b))) / 65536
	}
}

// wavCodeName names common format codes this package does not decode.
func wavCodeName(code uint16) string {
	names := map[uint16]string{
		0x0002: "MS ADPCM", 0x0011: "IMA ADPCM", 0x0031: "GSM 6.10", 0x0040: "G.721 ADPCM",
		0x0050: "MPEG", 0x0055: "MPEG Layer 3", 0x0064: "G.726 ADPCM", 0x0065: "G.722",
		0x0160: "WMA", 0x1610: "AAC",
	}
	if n, ok := names[code]; ok {
		return " (" + n + ")"
	}
	return ""
}

// printable returns b with bytes outside printable ASCII replaced by '?', for
// error messages.
func printable(b []byte) string {
	s := []byte(string(b))
	for i, c := range s {
		if c < 0x20 || c > 0x7e {
			s[i] = '?'
		}
	}
	return string(s)
}

// finite scales a float sample (full scale ±1) to the int16 scale, limiting
// it to twice full scale and turning NaN into silence.
func finite(v float64) float32 {
	if v != v {
		return 0
	}
	return float32(max(-2, min(2, v)) * 32768)
}
