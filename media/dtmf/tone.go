package dtmf

import "math"

// SampleRate is the sample rate of all PCM this package reads and writes.
const SampleRate = 8000

// The DTMF frequency groups (Hz): a key is one low-group (row) tone plus one
// high-group (column) tone.
var (
	rowFreqs = [4]float64{697, 770, 852, 941}
	colFreqs = [4]float64{1209, 1336, 1477, 1633}
)

// keypad[row][col] is the key of a row and column tone.
var keypad = [4][4]byte{
	{'1', '2', '3', 'A'},
	{'4', '5', '6', 'B'},
	{'7', '8', '9', 'C'},
	{'*', '0', '#', 'D'},
}

// Freqs returns the low-group (row) and high-group (column) frequency of
// key in Hz; ok is false if key is not a DTMF key.
func Freqs(key byte) (low, high float64, ok bool) {
	code, ok := Code(key)
	if !ok {
		return 0, 0, false
	}
	k := Keys[code]
	for r := range keypad {
		for c := range keypad[r] {
			if keypad[r][c] == k {
				return rowFreqs[r], colFreqs[c], true
			}
		}
	}
	return 0, 0, false
}

// Tone generates key's dual tone as 8 kHz linear PCM, ms milliseconds long,
// each of the two sines with a peak of amplitude × full scale (so amplitudes
// up to 0.5 never clip; larger ones are clipped). It returns nil for a key
// that is not a DTMF key or a non-positive length.
//
// Tone is a test and utility generator (for example to send in-band digits
// in tests of other packages); it allocates and is not for the media path.
func Tone(key byte, ms int, amplitude float64) []int16 {
	low, high, ok := Freqs(key)
	if !ok || ms <= 0 {
		return nil
	}
	return tonePair(low, high, amplitude, amplitude, ms*SampleRate/1000)
}

// tonePair generates n samples of two sines with peaks a1 and a2 (fractions
// of full scale).
func tonePair(f1, f2, a1, a2 float64, n int) []int16 {
	out := make([]int16, n)
	w1, w2 := 2*math.Pi*f1/SampleRate, 2*math.Pi*f2/SampleRate
	for i := range out {
		v := math.MaxInt16 * (a1*math.Sin(w1*float64(i)) + a2*math.Sin(w2*float64(i)))
		out[i] = int16(math.Round(max(math.MinInt16, min(math.MaxInt16, v))))
	}
	return out
}

// Goertzel returns the squared amplitude of the component of samples (8 kHz
// linear PCM) at freq Hz: a sine of peak A at exactly freq over the whole
// slice gives about A². Comparing the result at several frequencies tells
// which tones a signal carries; it is meant for tests and diagnostics and
// does not allocate.
func Goertzel(samples []int16, freq float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	c := 2 * math.Cos(2*math.Pi*freq/SampleRate)
	var s1, s2 float64
	for _, x := range samples {
		s1, s2 = float64(x)+c*s1-s2, s1
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	n := float64(len(samples))
	return 4 * max(p, 0) / (n * n)
}
