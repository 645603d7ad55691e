package dtmf

import (
	"math"
	"testing"
)

func TestTone(t *testing.T) {
	pcm := Tone('6', 50, 0.25)
	if len(pcm) != 400 {
		t.Fatalf("len = %d, want 400", len(pcm))
	}
	want := math.Pow(0.25*math.MaxInt16, 2)
	for _, f := range []float64{770, 1477} {
		if p := Goertzel(pcm, f); math.Abs(p/want-1) > 0.05 {
			t.Errorf("Goertzel at %v = %.0f, want about %.0f", f, p, want)
		}
	}
	for _, f := range []float64{697, 852, 941, 1209, 1336, 1633, 440} {
		if p := Goertzel(pcm, f); p > want/100 {
			t.Errorf("Goertzel at %v = %.0f, want < 1%% of the tones", f, p)
		}
	}
	if Tone('x', 50, 0.2) != nil || Tone('1', 0, 0.2) != nil {
		t.Error("Tone accepted a bad key or length")
	}
	loud := Tone('1', 20, 1) // the sum reaches twice full scale: clipped
	for i, s := range loud {
		x := float64(i) * 2 * math.Pi / SampleRate
		v := math.Sin(697*x) + math.Sin(1209*x)
		if math.Abs(v) > 0.1 && (v > 0) != (s > 0) {
			t.Fatalf("sample %d = %d, want the sign of %.2f: clipping wrapped around", i, s, v)
		}
	}
	if Goertzel(nil, 1000) != 0 {
		t.Error("Goertzel(nil) != 0")
	}
}

// TestWindowMatchesGoertzel: combining the four sub-block phasors gives the
// same power as one Goertzel filter over the 20 ms window.
func TestWindowMatchesGoertzel(t *testing.T) {
	pcm := cat(silence(3), tonePair(700, 1300, 0.2, 0.1, 400))
	var d Detector
	d.Feed(pcm[:320])
	for f := range filters {
		var w complex128
		for i := range winSubs {
			w += d.phasors[(d.slot+i)%winSubs][f] * filters[f].rot[i]
		}
		got := real(w)*real(w) + imag(w)*imag(w)
		freq := rowFreqs[f%4]
		if f >= 4 {
			freq = colFreqs[f%4]
		}
		want := Goertzel(pcm[160:320], freq) * winN * winN / 4
		if math.Abs(got-want) > 1e-6*want+1 {
			t.Errorf("filter %d: window power %.6g, Goertzel %.6g", f, got, want)
		}
	}
}

func TestDetectorAllocs(t *testing.T) {
	pcm := cat(Tone('2', 100, 0.2), silence(100))
	var d Detector
	allocs := testing.AllocsPerRun(100, func() {
		for off := 0; off+160 <= len(pcm); off += 160 {
			d.Feed(pcm[off : off+160])
		}
	})
	if allocs != 0 {
		t.Errorf("Feed allocates %.1f times per run", allocs)
	}
}

func TestReset(t *testing.T) {
	var d Detector
	d.Feed(Tone('3', 100, 0.2))
	d.Reset()
	if d != (Detector{}) {
		t.Error("Reset left state behind")
	}
}
