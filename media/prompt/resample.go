package prompt

import (
	"fmt"
	"math"
	"sync"
)

// The resampler is band-limited interpolation (Smith's algorithm): each output
// sample is the input convolved with a Blackman-windowed sinc whose cutoff is
// 90% of the lower of the two Nyquist frequencies, so downsampling filters out
// what would alias. The kernel is tabulated once and read with linear
// interpolation.
const (
	zeroCrossings = 12   // kernel half-width, in zero crossings of the sinc
	kernelRes     = 128  // table entries per zero crossing
	rolloff       = 0.90 // cutoff as a fraction of the lower Nyquist frequency
)

var kernel = sync.OnceValue(func() []float32 {
	k := make([]float32, zeroCrossings*kernelRes+2)
	for i := range k {
		x := float64(i) / kernelRes // in zero crossings
		if x >= zeroCrossings {
			continue
		}
		sinc := 1.0
		if x > 0 {
			sinc = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		w := x / zeroCrossings // 0..1 across the half window
		blackman := 0.42 + 0.5*math.Cos(math.Pi*w) + 0.08*math.Cos(2*math.Pi*w)
		k[i] = float32(sinc * blackman)
	}
	return k
})

// maxPhaseTable bounds the coefficients precomputed for a polyphase filter.
const maxPhaseTable = 1 << 16

// resampler converts a stream of mono samples (float32 on the int16 scale) at
// inRate to int16 at Rate, written in blocks so that a long file never has to
// be held in memory at its source rate. Output sample n sits at input position
// n·inRate/Rate; its fractional part takes only Rate/gcd(inRate, Rate) values,
// so for the usual rates (44.1 kHz: 80 phases) the filter coefficients of each
// phase are computed once and each output sample is a dot product.
type resampler struct {
	inRate int64
	scale  float64 // kernel scale: cutoff relative to the input Nyquist
	half   int64   // kernel support on each side, in input samples
	gcd    int64   // gcd(inRate, Rate): phase = (n·inRate mod Rate) / gcd
	phases [][]float32

	buf   []float32 // input not yet consumed; buf[0] is input sample base
	base  int64
	total int64 // input samples written
	next  int64 // index of the next output sample
	out   []int16
	max   int // most output samples allowed
}

func newResampler(inRate, maxOut int) *resampler {
	r := &resampler{inRate: int64(inRate), max: maxOut}
	if inRate == Rate {
		return r
	}
	r.scale = rolloff * min(1, Rate/float64(inRate))
	r.half = int64(math.Ceil(zeroCrossings/r.scale)) + 1
	r.gcd = gcd(r.inRate, Rate)
	if n := Rate / r.gcd; n*2*r.half <= maxPhaseTable {
		r.phases = make([][]float32, n)
		for p := range r.phases {
			c := make([]float32, 2*r.half)
			frac := float64(int64(p)*r.gcd) / Rate
			for j := range c {
				c[j] = r.coef(frac + float64(r.half-1-int64(j)))
			}
			r.phases[p] = c
		}
	}
	return r
}

// coef returns the filter weight of an input sample at distance d (in input
// samples) from the output position.
func (r *resampler) coef(d float64) float32 {
	u := math.Abs(d) * r.scale * kernelRes
	i := int(u)
	if i >= zeroCrossings*kernelRes {
		return 0
	}
	k := kernel()
	f := float32(u - float64(i))
	return (k[i] + f*(k[i+1]-k[i])) * float32(r.scale)
}

// write adds input samples and makes every output sample they complete.
func (r *resampler) write(x []float32) error {
	if r.inRate == Rate {
		if len(r.out)+len(x) > r.max {
			return errTooLong(r.max)
		}
		for _, v := range x {
			r.out = append(r.out, clamp16(v))
		}
		r.total += int64(len(x))
		return nil
	}
	r.buf = append(r.buf, x...)
	r.total += int64(len(x))
	if err := r.produce(false); err != nil {
		return err
	}
	// Drop input that no future output sample reaches.
	keep := r.next*r.inRate/Rate - r.half
	if drop := keep - r.base; drop > 0 {
		drop = min(drop, int64(len(r.buf)))
		n := copy(r.buf, r.buf[drop:])
		r.buf = r.buf[:n]
		r.base += drop
	}
	return nil
}

// flush makes the remaining output samples (input beyond the end is silence)
// and returns all output.
func (r *resampler) flush() ([]int16, error) {
	if r.inRate != Rate {
		if err := r.produce(true); err != nil {
			return nil, err
		}
	}
	return r.out, nil
}

// produce makes the output samples whose input is all written (at the end:
// all of them), up to the output length the input implies.
func (r *resampler) produce(final bool) error {
	end := r.total * Rate / r.inRate // output samples the whole input makes
	avail := r.base + int64(len(r.buf))
	for ; r.next < end; r.next++ {
		pos := r.next * r.inRate
		center, rem := pos/Rate, pos%Rate
		if !final && center+r.half >= avail {
			return nil
		}
		if len(r.out) >= r.max {
			return errTooLong(r.max)
		}
		r.out = append(r.out, clamp16(r.sample(center, rem)))
	}
	return nil
}

// sample returns the filtered input at position center + rem/Rate.
func (r *resampler) sample(center, rem int64) float32 {
	lo := center - r.half + 1
	first := max(lo, r.base)
	last := min(center+r.half, r.base+int64(len(r.buf))-1)
	if first > last {
		return 0
	}
	in := r.buf[first-r.base : last-r.base+1]
	var acc float32
	if r.phases != nil {
		c := r.phases[rem/r.gcd][first-lo:]
		c = c[:len(in)]
		for i, v := range in {
			acc += v * c[i]
		}
		return acc
	}
	t := float64(center) + float64(rem)/Rate
	for i, v := range in {
		acc += v * r.coef(t-float64(first+int64(i)))
	}
	return acc
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// clamp16 rounds v to the nearest int16, saturating; NaN becomes 0.
func clamp16(v float32) int16 {
	switch {
	case v != v:
		return 0
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	case v >= 0:
		return int16(v + 0.5)
	default:
		return int16(v - 0.5)
	}
}

func errTooLong(maxOut int) error {
	return fmt.Errorf("%w: more than %v of audio", ErrTooLong, durationOf(maxOut))
}
