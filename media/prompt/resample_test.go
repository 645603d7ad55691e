package prompt

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// resampleAll runs x through a resampler in blocks of the given size.
func resampleAll(t *testing.T, rate int, x []float32, block int) []int16 {
	t.Helper()
	r := newResampler(rate, 1<<20)
	for len(x) > 0 {
		n := min(block, len(x))
		if err := r.write(x[:n]); err != nil {
			t.Fatal(err)
		}
		x = x[n:]
	}
	out, err := r.flush()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestResamplerBlocks(t *testing.T) {
	// The output does not depend on how the input is cut into blocks.
	for _, rate := range []int{8000, 11025, 16000, 44100, 44101, 6000} {
		x := make([]float32, rate/4)
		for i := range x {
			x[i] = float32(10000 * math.Sin(float64(i)*0.05) * math.Sin(float64(i)*0.001))
		}
		want := resampleAll(t, rate, x, len(x))
		if len(want) != len(x)*8000/rate {
			t.Fatalf("%d Hz: %d samples out of %d, want %d", rate, len(want), len(x), len(x)*8000/rate)
		}
		for _, block := range []int{1, 7, 100, 4096} {
			if got := resampleAll(t, rate, x, block); !slices.Equal(got, want) {
				t.Fatalf("%d Hz: blocks of %d give a different output", rate, block)
			}
		}
	}
}

func TestResamplerPhaseTableMatchesKernel(t *testing.T) {
	r := newResampler(44100, 1<<20)
	if r.phases == nil || len(r.phases) != 80 {
		t.Fatalf("%d phases, want 80", len(r.phases))
	}
	for p, c := range r.phases {
		frac := float64(int64(p)*r.gcd) / Rate
		for j, w := range c {
			if want := r.coef(frac + float64(r.half-1-int64(j))); w != want {
				t.Fatalf("phase %d tap %d: %v, want %v", p, j, w, want)
			}
		}
	}
}

func TestResamplerDCGain(t *testing.T) {
	// A constant stays constant (unity gain at 0 Hz), away from the ends.
	for _, rate := range []int{6000, 11025, 16000, 22050, 44100, 48000, 96000} {
		x := make([]float32, rate/2)
		for i := range x {
			x[i] = 10000
		}
		out := resampleAll(t, rate, x, 1000)
		for _, v := range out[200 : len(out)-200] {
			if v < 9990 || v > 10010 {
				t.Fatalf("%d Hz: DC 10000 became %d", rate, v)
			}
		}
	}
}

func TestResamplerLimit(t *testing.T) {
	r := newResampler(16000, 100)
	err := r.write(make([]float32, 1000))
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("err = %v, want ErrTooLong", err)
	}
	if got := clamp16(float32(math.NaN())); got != 0 {
		t.Fatalf("clamp16(NaN) = %d", got)
	}
	if clamp16(1e9) != math.MaxInt16 || clamp16(-1e9) != math.MinInt16 || clamp16(-1.5) != -2 || clamp16(1.5) != 2 {
		t.Fatal("clamp16 does not saturate or round")
	}
}
