package tone

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

func TestSineDominant(t *testing.T) {
	candidates := []float64{350, 440, 500, 700, 900, 1000, 1209, 1336}
	tests := []struct {
		name  string
		freqs []float64
		want  float64
		min   float64 // minimum ratio
		max   float64 // maximum ratio
	}{
		{"500 Hz", []float64{500}, 500, 0.95, 1.05},
		{"700 Hz", []float64{700}, 700, 0.95, 1.05},
		{"1 kHz", []float64{1000}, 1000, 0.95, 1.05},
		{"dial tone pair", []float64{350, 440}, 0, 0.45, 0.55}, // either one
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcm := Sine(tt.freqs, 500, 0.5)
			if len(pcm) != 4000 {
				t.Fatalf("len = %d, want 4000", len(pcm))
			}
			f, r := Dominant(pcm, candidates)
			if (tt.want != 0 && f != tt.want) || (tt.want == 0 && f != tt.freqs[0] && f != tt.freqs[1]) || r < tt.min || r > tt.max {
				t.Fatalf("Dominant = %v Hz ratio %.3f, want %v Hz ratio in [%v, %v]", f, r, tt.want, tt.min, tt.max)
			}
		})
	}
}

func TestSineAmplitude(t *testing.T) {
	pcm := Sine([]float64{1000}, 100, 2) // amp clamped to 1
	var peak int
	for _, s := range pcm {
		peak = max(peak, int(math.Abs(float64(s))))
	}
	if peak < 32000 || peak > math.MaxInt16 {
		t.Fatalf("peak = %d, want full scale", peak)
	}
	if Sine(nil, 100, 1) != nil || Sine([]float64{500}, 0, 1) != nil {
		t.Fatal("empty input must give nil")
	}
}

func TestDominantSilence(t *testing.T) {
	if f, r := Dominant(make([]int16, 800), []float64{500}); f != 0 || r != 0 {
		t.Fatalf("silence: %v %v", f, r)
	}
	if f, r := Dominant(nil, []float64{500}); f != 0 || r != 0 {
		t.Fatalf("empty: %v %v", f, r)
	}
	if p := Power(Sine([]float64{500}, 200, 0.5), 1500); p > 0.01 {
		t.Fatalf("absent frequency power = %v", p)
	}
}

func TestWAV(t *testing.T) {
	pcm := []int16{0, 1, -1, math.MaxInt16, math.MinInt16}
	b := WAV(pcm)
	want := []byte("RIFF")
	want = binary.LittleEndian.AppendUint32(want, 36+10)
	want = append(want, "WAVEfmt "...)
	want = binary.LittleEndian.AppendUint32(want, 16)
	want = binary.LittleEndian.AppendUint16(want, 1)
	want = binary.LittleEndian.AppendUint16(want, 1)
	want = binary.LittleEndian.AppendUint32(want, 8000)
	want = binary.LittleEndian.AppendUint32(want, 16000)
	want = binary.LittleEndian.AppendUint16(want, 2)
	want = binary.LittleEndian.AppendUint16(want, 16)
	want = append(want, "data"...)
	want = binary.LittleEndian.AppendUint32(want, 10)
	for _, s := range pcm {
		want = binary.LittleEndian.AppendUint16(want, uint16(s))
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("WAV =\n%x\nwant\n%x", b, want)
	}
}
