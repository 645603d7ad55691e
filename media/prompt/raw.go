package prompt

import (
	"encoding/binary"

	"github.com/ivrbox/ivrbox/media/g711"
)

// decodeRaw decodes headerless files: G.711 µ-law or A-law at 8 kHz (one byte
// per sample), signed linear 16-bit little-endian at 8 kHz (.sln) or 16 kHz
// (.sln16). A trailing odd byte of a signed-linear file is ignored.
func decodeRaw(f format, data []byte, maxOut int) ([]int16, error) {
	switch f {
	case formatULaw, formatALaw:
		if err := checkLength(int64(len(data)), Rate, maxOut); err != nil {
			return nil, err
		}
		pcm := make([]int16, len(data))
		if f == formatALaw {
			g711.DecodeALaw(pcm, data)
		} else {
			g711.DecodeULaw(pcm, data)
		}
		return pcm, nil
	case formatSLin:
		n := len(data) / 2
		if err := checkLength(int64(n), Rate, maxOut); err != nil {
			return nil, err
		}
		pcm := make([]int16, n)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		return pcm, nil
	default: // formatSLin16
		n := len(data) / 2
		if err := checkLength(int64(n), 16000, maxOut); err != nil {
			return nil, err
		}
		r := newResampler(16000, maxOut)
		buf := make([]float32, 0, blockFrames)
		for i := 0; i < n; i++ {
			buf = append(buf, float32(int16(binary.LittleEndian.Uint16(data[2*i:]))))
			if len(buf) == cap(buf) || i == n-1 {
				if err := r.write(buf); err != nil {
					return nil, err
				}
				buf = buf[:0]
			}
		}
		return r.flush()
	}
}
