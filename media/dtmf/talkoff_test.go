package dtmf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Talk-off: signals that are not DTMF must not produce digits.

// addNoise adds uniform white noise of the given RMS (fraction of full
// scale) to pcm, clipping at full scale.
func addNoise(rng *rand.Rand, pcm []int16, rms float64) {
	peak := rms * math.Sqrt(3) * math.MaxInt16 // uniform: rms = peak/√3
	for i, s := range pcm {
		v := float64(s) + peak*(2*rng.Float64()-1)
		pcm[i] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
	}
}

// synth renders a sum of partials for ms milliseconds; each partial's
// frequency is scaled by the vibrato 1+depth·sin(2π·rate·t).
type partial struct{ freq, amp float64 }

func synth(ms int, depth, rate float64, parts []partial) []int16 {
	n := ms * SampleRate / 1000
	out := make([]int16, n)
	phases := make([]float64, len(parts))
	for i := range out {
		t := float64(i) / SampleRate
		vib := 1 + depth*math.Sin(2*math.Pi*rate*t)
		var v float64
		for k, p := range parts {
			phases[k] += 2 * math.Pi * p.freq * vib / SampleRate
			v += p.amp * math.Sin(phases[k])
		}
		out[i] = int16(max(math.MinInt16, min(math.MaxInt16, v*math.MaxInt16)))
	}
	return out
}

// vowel is a harmonic series on f0 shaped by three formant resonances,
// scaled to a peak level around level.
func vowel(ms int, f0, level float64, formants [3]float64) []int16 {
	var parts []partial
	for h := 1; float64(h)*f0 < 3800; h++ {
		f := float64(h) * f0
		var gain float64
		for i, fm := range formants {
			bw := 80 + 40*float64(i)
			gain += math.Pow(0.5, float64(i)) / (1 + math.Pow((f-fm)/bw, 2))
		}
		parts = append(parts, partial{f, gain})
	}
	var sum float64
	for _, p := range parts {
		sum += p.amp
	}
	for i := range parts {
		parts[i].amp *= level / sum * 3
	}
	return synth(ms, 0.02, 5.5, parts)
}

// harmonic is a music-like tone: f0 and its harmonics with amplitude 1/h.
func harmonic(ms int, f0, level float64) []int16 {
	var parts []partial
	for h := 1; float64(h)*f0 < 3800; h++ {
		parts = append(parts, partial{float64(h) * f0, level / float64(h)})
	}
	return synth(ms, 0.005, 6, parts)
}

func chord(ms int, level float64, freqs ...float64) []int16 {
	parts := make([]partial, len(freqs))
	for i, f := range freqs {
		parts[i] = partial{f, level / float64(len(freqs))}
	}
	return synth(ms, 0, 0, parts)
}

func TestTalkOff(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	type signal struct {
		name string
		pcm  []int16
	}
	var signals []signal
	for _, rms := range []float64{0.005, 0.05, 0.3} {
		pcm := silence(3000)
		addNoise(rng, pcm, rms)
		signals = append(signals, signal{fmt.Sprintf("white noise rms %.3f", rms), pcm})
	}
	vowels := map[string][3]float64{
		"a": {730, 1090, 2440}, "i": {270, 2290, 3010}, "u": {300, 870, 2240},
		"e": {530, 1840, 2480}, "o": {570, 840, 2410}, "ae": {660, 1720, 2410},
	}
	for name, fm := range vowels {
		for _, f0 := range []float64{95, 120, 175, 232.3} {
			signals = append(signals, signal{fmt.Sprintf("vowel %s f0 %.0f", name, f0), vowel(1500, f0, 0.3, fm)})
		}
	}
	signals = append(signals,
		signal{"formant sines with vibrato", synth(2000, 0.03, 5, []partial{{500, 0.3}, {1500, 0.2}, {2500, 0.1}})},
		signal{"formant sines with wide vibrato", synth(2000, 0.06, 4, []partial{{640, 0.2}, {1150, 0.2}, {2600, 0.05}})},
		signal{"dial tone", chord(2000, 0.4, 350, 440)},
		signal{"ringback", chord(2000, 0.4, 440, 480)},
		signal{"busy", chord(2000, 0.4, 480, 620)},
		signal{"C major", chord(2000, 0.5, 523.25, 659.25, 783.99)},
		signal{"C major high", chord(2000, 0.5, 1046.5, 1318.5, 1568)},
		signal{"near-DTMF pair 4% off", chord(2000, 0.4, 697*1.04, 1336*0.96)},
		signal{"single row tone", chord(2000, 0.3, 770)},
		signal{"single column tone", chord(2000, 0.3, 1477)},
	)
	for _, f0 := range []float64{110, 220, 261.63, 440, 98} {
		signals = append(signals, signal{fmt.Sprintf("harmonic %.0f Hz", f0), harmonic(2000, f0, 0.3)})
	}
	for _, s := range signals {
		if got := detect(s.pcm); got != "" {
			t.Errorf("%s: detected %q", s.name, got)
		}
	}
}

// TestTalkOffRandomVowels: sustained synthetic vowels with random pitch and
// formants. A vowel whose harmonics sit in formant peaks exactly on a row and
// a column frequency is, for 40 ms, a DTMF tone; such coincidences must stay
// rare.
func TestTalkOffRandomVowels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 100
	triggered := 0
	for range n {
		f0 := 80 + rng.Float64()*220
		fm := [3]float64{250 + rng.Float64()*600, 800 + rng.Float64()*1500, 2000 + rng.Float64()*1000}
		if got := detect(vowel(1000, f0, 0.3, fm)); got != "" {
			triggered++
			t.Logf("f0 %.1f Hz, formants %.0f Hz: detected %q", f0, fm, got)
		}
	}
	if triggered > n/100 {
		t.Errorf("%d of %d vowels triggered, want at most %d", triggered, n, n/100)
	}
}
