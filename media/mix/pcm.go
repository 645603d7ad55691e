package mix

import "github.com/ivrbox/ivrbox/media/stream"

// frameSamples is the number of samples in one 20 ms frame at 8 kHz.
const frameSamples = stream.FrameSamples

// pcmFrame is one frame of linear PCM.
type pcmFrame = [frameSamples]int16

// sumFrame is one frame of a room's sum, wide enough for any number of
// full-scale members.
type sumFrame = [frameSamples]int32

// saturate clips a sum to the int16 range (branch-free: min and max
// compile to conditional moves).
func saturate(v int32) int16 {
	return int16(min(max(v, -32768), 32767))
}

// accumulate adds pcm into sum.
func accumulate(sum *sumFrame, pcm *pcmFrame) {
	for i, s := range pcm {
		sum[i] += int32(s)
	}
}

// minus writes sum less own into dst, saturated: what a member hears.
func minus(dst *pcmFrame, sum *sumFrame, own *pcmFrame) {
	for i, s := range sum {
		dst[i] = saturate(s - int32(own[i]))
	}
}

// clip writes sum into dst, saturated: what a member that contributes
// nothing hears.
func clip(dst *pcmFrame, sum *sumFrame) {
	for i, s := range sum {
		dst[i] = saturate(s)
	}
}

// energy returns the sum of the squares of pcm.
func energy(pcm []int16) int64 {
	var e int64
	for _, s := range pcm {
		e += int64(s) * int64(s)
	}
	return e
}
