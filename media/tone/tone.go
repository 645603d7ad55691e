package tone

import (
	"encoding/binary"
	"math"
)

// Rate is the sample rate, in Hz, of every signal this package makes or measures.
const Rate = 8000

// Sine returns ms milliseconds of the sum of sines at freqs (Hz), sampled at
// 8 kHz. amp is the peak amplitude of the sum as a fraction of full scale
// (clamped to 0..1); each frequency gets an equal share of it, so the sum never
// clips. No frequencies or ms <= 0 give an empty (nil) signal.
func Sine(freqs []float64, ms int, amp float64) []int16 {
	if len(freqs) == 0 || ms <= 0 {
		return nil
	}
	amp = math.Max(0, math.Min(1, amp))
	each := amp * math.MaxInt16 / float64(len(freqs))
	pcm := make([]int16, ms*Rate/1000)
	for i := range pcm {
		t := float64(i) / Rate
		var v float64
		for _, f := range freqs {
			v += each * math.Sin(2*math.Pi*f*t)
		}
		pcm[i] = int16(math.Round(v))
	}
	return pcm
}

// WAV returns pcm as the bytes of a canonical WAV file: RIFF, 16-bit signed
// little-endian PCM, one channel, 8 kHz.
func WAV(pcm []int16) []byte {
	const header = 44
	data := 2 * len(pcm)
	b := make([]byte, header+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(header-8+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], Rate)
	binary.LittleEndian.PutUint32(b[28:], 2*Rate) // byte rate
	binary.LittleEndian.PutUint16(b[32:], 2)      // block align
	binary.LittleEndian.PutUint16(b[34:], 16)     // bits per sample
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[header+2*i:], uint16(s))
	}
	return b
}

// Power returns the Goertzel power of pcm (8 kHz) at freq, normalised by the
// signal's energy: about 1 for a pure sine at freq, about 1/n for one of n equal
// sines, near 0 when freq is absent. Silence or an empty signal gives 0.
func Power(pcm []int16, freq float64) float64 {
	var energy float64
	for _, s := range pcm {
		energy += float64(s) * float64(s)
	}
	if energy == 0 {
		return 0
	}
	w := 2 * math.Pi * freq / Rate
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, s := range pcm {
		s0 := float64(s) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	re := s1 - s2*math.Cos(w)
	im := s2 * math.Sin(w)
	return 2 * (re*re + im*im) / (float64(len(pcm)) * energy)
}

// Dominant returns the candidate frequency that carries the most energy in pcm
// (8 kHz) and its share of the signal's energy as Power reports it (about 1
// for a clean tone). No candidates, silence or an empty signal give 0, 0.
func Dominant(pcm []int16, candidates []float64) (freq float64, ratio float64) {
	for _, f := range candidates {
		if p := Power(pcm, f); p > ratio {
			freq, ratio = f, p
		}
	}
	return freq, ratio
}
