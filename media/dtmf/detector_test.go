package dtmf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ivrbox/ivrbox/media/g711"
)

// Signal helpers: amplitudes are fractions of full scale, as in Tone.

func silence(ms int) []int16 { return make([]int16, ms*SampleRate/1000) }

func cat(parts ...[]int16) []int16 {
	var out []int16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// db returns the amplitude factor of a level difference in dB.
func db(x float64) float64 { return math.Pow(10, x/20) }

// minAmp is MinAmplitude as a fraction of full scale.
const minAmp = float64(MinAmplitude) / math.MaxInt16

// keyTone is key's tone with separate row and column amplitudes and a
// relative frequency offset of each.
func keyTone(key byte, ms int, rowAmp, colAmp, rowOff, colOff float64) []int16 {
	low, high, _ := Freqs(key)
	return tonePair(low*(1+rowOff), high*(1+colOff), rowAmp, colAmp, ms*SampleRate/1000)
}

// detect feeds pcm in 20 ms frames (the last one padded with silence) and
// returns the keys reported.
func detect(pcm []int16) string {
	var d Detector
	return detectWith(&d, pcm, 160)
}

func detectWith(d *Detector, pcm []int16, frame int) string {
	var keys []byte
	pcm = cat(pcm, silence(100))
	for off := 0; off < len(pcm); off += frame {
		if k, ok := d.Feed(pcm[off:min(off+frame, len(pcm))]); ok {
			keys = append(keys, k)
		}
	}
	return string(keys)
}

func TestDetectEveryKey(t *testing.T) {
	for i := range len(Keys) {
		key := Keys[i]
		if got := detect(cat(silence(30), Tone(key, 100, 0.3), silence(30))); got != string(key) {
			t.Errorf("key %c: detected %q", key, got)
		}
	}
}

func TestDetectSequence(t *testing.T) {
	var pcm []int16
	for i := range len(Keys) {
		pcm = cat(pcm, Tone(Keys[i], 60, 0.2), silence(50))
	}
	if got := detect(pcm); got != Keys {
		t.Errorf("detected %q, want %q", got, Keys)
	}
}

func TestDetectChunking(t *testing.T) {
	pcm := cat(silence(7), Tone('5', 80, 0.2), silence(60), Tone('#', 80, 0.2))
	for _, frame := range []int{1, 37, 40, 160, 240} {
		var d Detector
		if got := detectWith(&d, pcm, frame); got != "5#" {
			t.Errorf("frames of %d samples: detected %q, want \"5#\"", frame, got)
		}
	}
}

func TestDetectLevel(t *testing.T) {
	tests := []struct {
		name string
		amp  float64
		want bool
	}{
		{"1.5 dB above minimum", minAmp * db(1.5), true},
		{"1.5 dB below minimum", minAmp * db(-1.5), false},
		{"6 dB below minimum", minAmp * db(-6), false},
		{"full level", 0.45, true},
	}
	for _, tt := range tests {
		for _, key := range []byte("1D*9") {
			t.Run(fmt.Sprintf("%s/%c", tt.name, key), func(t *testing.T) {
				got := detect(cat(silence(20), Tone(key, 80, tt.amp)))
				if (got == string(key)) != tt.want || (!tt.want && got != "") {
					t.Errorf("detected %q, want key: %v", got, tt.want)
				}
			})
		}
	}
}

func TestDetectTwist(t *testing.T) {
	const loud = 0.2
	tests := []struct {
		name         string
		rowDB, colDB float64
		want         bool
	}{
		{"normal 7 dB", 0, -7, true},
		{"normal 9 dB", 0, -9, false},
		{"reverse 3 dB", -3, 0, true},
		{"reverse 5 dB", -5, 0, false},
	}
	for _, tt := range tests {
		for _, key := range []byte("1D*6") {
			t.Run(fmt.Sprintf("%s/%c", tt.name, key), func(t *testing.T) {
				pcm := keyTone(key, 80, loud*db(tt.rowDB), loud*db(tt.colDB), 0, 0)
				got := detect(cat(silence(20), pcm))
				if (got == string(key)) != tt.want || (!tt.want && got != "") {
					t.Errorf("detected %q, want key: %v", got, tt.want)
				}
			})
		}
	}
}

func TestDetectFrequencyOffset(t *testing.T) {
	tests := []struct {
		name           string
		rowOff, colOff float64
		want           bool
	}{
		{"both +1.5%", 0.015, 0.015, true},
		{"both -1.5%", -0.015, -0.015, true},
		{"row +1.5% col -1.5%", 0.015, -0.015, true},
		{"both +3.5%", 0.035, 0.035, false},
		{"both -3.5%", -0.035, -0.035, false},
		{"row +3.5%", 0.035, 0, false},
		{"col -3.5%", 0, -0.035, false},
	}
	for _, tt := range tests {
		for i := range len(Keys) {
			key := Keys[i]
			t.Run(fmt.Sprintf("%s/%c", tt.name, key), func(t *testing.T) {
				got := detect(cat(silence(20), keyTone(key, 80, 0.2, 0.2, tt.rowOff, tt.colOff)))
				if (got == string(key)) != tt.want || (!tt.want && got != "") {
					t.Errorf("detected %q, want key: %v", got, tt.want)
				}
			})
		}
	}
}

// TestDetectDuration: 45 ms tones are accepted and 30 ms tones rejected,
// wherever they start relative to the analysis blocks.
func TestDetectDuration(t *testing.T) {
	for _, tt := range []struct {
		ms   int
		want bool
	}{{45, true}, {30, false}, {20, false}, {60, true}} {
		for start := 0; start < 160; start += 7 {
			pcm := cat(make([]int16, start), Tone('8', tt.ms, 0.25))
			got := detect(pcm)
			if (got == "8") != tt.want || (!tt.want && got != "") {
				t.Errorf("%d ms tone starting at sample %d: detected %q, want key: %v", tt.ms, start, got, tt.want)
			}
		}
	}
}

func TestDetectGaps(t *testing.T) {
	tone := func(ms int) []int16 { return Tone('3', ms, 0.2) }
	tests := []struct {
		name string
		pcm  []int16
		want string
	}{
		{"long press", tone(2000), "3"},
		{"40 ms pause splits", cat(tone(60), silence(40), tone(60)), "33"},
		{"10 ms drop-out does not split", cat(tone(60), silence(10), tone(60)), "3"},
		{"5 ms drop-out does not split", cat(tone(100), silence(5), tone(100)), "3"},
		{"key change", cat(tone(60), Tone('4', 60, 0.2)), "34"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detect(tt.pcm); got != tt.want {
				t.Errorf("detected %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDetectInNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range len(Keys) {
		key := Keys[i]
		pcm := cat(silence(20), Tone(key, 80, 0.1), silence(20))
		addNoise(rng, pcm, 0.1*db(-20)) // 20 dB below each tone
		if got := detect(pcm); got != string(key) {
			t.Errorf("key %c in noise: detected %q", key, got)
		}
	}
}

// TestDetectThroughULaw: tones survive G.711 companding at low and high
// levels.
func TestDetectThroughULaw(t *testing.T) {
	for _, amp := range []float64{minAmp * db(3), 0.05, 0.45} {
		pcm := cat(silence(20), Tone('0', 80, amp), silence(40), Tone('B', 80, amp))
		law := make([]byte, len(pcm))
		g711.EncodeULaw(law, pcm)
		g711.DecodeULaw(pcm, law)
		if got := detect(pcm); got != "0B" {
			t.Errorf("amplitude %.3f: detected %q, want \"0B\"", amp, got)
		}
	}
}
