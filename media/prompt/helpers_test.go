package prompt

import (
	"encoding/binary"
	"math"

	"github.com/zaf/g711"
)

// wavSpec describes a WAV file a test builds.
type wavSpec struct {
	code       uint16 // wavPCM, wavFloat, wavULaw, wavALaw
	channels   int
	rate       int
	bits       int
	extensible bool // write WAVE_FORMAT_EXTENSIBLE with code as sub-format
}

// sine returns a generator of a sine at freq Hz (amplitude amp, full scale 1)
// for a signal sampled at rate.
func sine(freq, amp float64, rate int) func(ch, i int) float64 {
	return func(_, i int) float64 { return amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)) }
}

// makeWAV builds a WAV file of frames frames whose samples gen gives
// (full scale ±1).
func makeWAV(s wavSpec, frames int, gen func(ch, i int) float64) []byte {
	le := binary.LittleEndian
	width := s.bits / 8
	var data []byte
	for i := range frames {
		for ch := range s.channels {
			v := gen(ch, i)
			switch {
			case s.code == wavULaw:
				data = append(data, g711.EncodeUlawFrame(int16(v*32767)))
			case s.code == wavALaw:
				data = append(data, g711.EncodeAlawFrame(int16(v*32767)))
			case s.code == wavFloat && s.bits == 32:
				data = le.AppendUint32(data, math.Float32bits(float32(v)))
			case s.code == wavFloat:
				data = le.AppendUint64(data, math.Float64bits(v))
			case s.bits == 8:
				data = append(data, byte(128+int(math.Round(v*127))))
			case s.bits == 16:
				data = le.AppendUint16(data, uint16(int16(math.Round(v*32767))))
			case s.bits == 24:
				x := uint32(int32(math.Round(v * 8388607)))
				data = append(data, byte(x), byte(x>>8), byte(x>>16))
			default:
				data = le.AppendUint32(data, uint32(int32(math.Round(v*2147483647))))
			}
		}
	}
	fmtChunk := le.AppendUint16(nil, s.code)
	if s.extensible {
		fmtChunk = le.AppendUint16(nil, wavExtensible)
	}
	fmtChunk = le.AppendUint16(fmtChunk, uint16(s.channels))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(s.rate))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(s.rate*s.channels*width))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(s.channels*width))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(s.bits))
	if s.extensible {
		fmtChunk = le.AppendUint16(fmtChunk, 22)
		fmtChunk = le.AppendUint16(fmtChunk, uint16(s.bits))
		fmtChunk = le.AppendUint32(fmtChunk, 1<<s.channels-1)
		fmtChunk = le.AppendUint16(fmtChunk, s.code)
		fmtChunk = append(fmtChunk, wavGUIDTail...)
	}
	return riff(chunk("fmt ", fmtChunk), chunk("LIST", []byte("INFOISFT\x04\x00\x00\x00test")), chunk("data", data))
}

// chunk returns a RIFF chunk (id, size, body, pad byte).
func chunk(id string, body []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// riff wraps chunks into a RIFF WAVE file.
func riff(chunks ...[]byte) []byte {
	body := []byte("WAVE")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// pcm16 returns samples as little-endian 16-bit bytes.
func pcm16(samples []int16) []byte {
	var b []byte
	for _, s := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}

// rms returns the root mean square of pcm, full scale 1.
func rms(pcm []int16) float64 {
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum/float64(max(1, len(pcm)))) / 32768
}
