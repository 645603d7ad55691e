package dtmf

import "math"

// Detector analysis geometry: the signal is cut into 5 ms sub-blocks; each
// sub-block runs the eight DTMF Goertzel filters once, and every sub-block
// the last four are combined coherently into a 20 ms analysis window (50 Hz
// resolution), so windows slide by 5 ms and tone durations are measured to
// 5 ms.
const (
	subN     = 40             // samples per sub-block (5 ms)
	winSubs  = 4              // sub-blocks per analysis window
	winN     = subN * winSubs // samples per analysis window (20 ms)
	histSubs = 2 * minOnSubs  // sub-blocks of history for the duration check
	nTones   = len(rowFreqs) * 2
)

// Detector thresholds, after ITU-T Q.24 practice (as in Asterisk and
// spandsp). Powers are compared as ratios, so the dB figures are 10·log10.
const (
	// MinAmplitude is the smallest peak amplitude (16-bit linear) each of
	// the two tones must have: about -30 dBm0.
	MinAmplitude = 700
	// normalTwist: the low-group (row) tone may exceed the high-group
	// (column) tone by up to 8 dB.
	normalTwist = 6.31
	// reverseTwist: the column tone may exceed the row tone by up to 4 dB.
	reverseTwist = 2.51
	// relativePeak: each tone must exceed the other three of its group by
	// 8 dB.
	relativePeak = 6.31
	// toneShare: the two tones must carry this fraction of the window's
	// energy (speech and music spread theirs).
	toneShare = 0.85
	// freqTolerance: a tone more than this fraction off its nominal
	// frequency is rejected (Q.24: accept ±1.5%, reject ±3.5%).
	freqTolerance = 0.025
	// minHits consecutive windows (35 ms of signal) must agree on the key.
	minHits = 4
	// minOnSubs consecutive sub-blocks (40 ms) must carry the tone.
	minOnSubs = 8
	// A sub-block carries the tone when its energy is at least onEnergy of
	// the window's mean and the two tones hold onShare of it.
	onEnergy = 0.3
	onShare  = 0.35
	// gapWindows windows (30 ms of 5 ms steps) without the reported key end
	// a key press; shorter drop-outs do not split it.
	gapWindows = 6
)

// Energy gates derived from MinAmplitude: a window whose energy is below
// windowGate cannot hold two tones of MinAmplitude, and a sub-block below
// quietGate is treated as silence (its filters are skipped).
const (
	windowGate = 0.8 * winN * MinAmplitude * MinAmplitude
	quietGate  = subN * MinAmplitude * MinAmplitude / 100
	minPower   = (MinAmplitude * winN / 2) * (MinAmplitude * winN / 2)
)

// toneFilter holds the precomputed constants of one DTMF frequency.
type toneFilter struct {
	coef     float64             // 2·cos ω, the Goertzel coefficient
	cos, sin float64             // cos ω, sin ω, to turn the state into a phasor
	rot      [winSubs]complex128 // e^(-jω·subN·i): aligns sub-block i in the window
	probe    [2]float64          // Goertzel coefficients at f·(1 ∓ freqTolerance)
	minRatio float64             // least centre/probe power ratio of an accepted tone
	// ratio[i] is the centre/probe power ratio of a tone offset by
	// i/(gainSteps-1) of the probe spacing, and gain[i] the factor that
	// turns its centre power into the tone's power.
	ratio [gainSteps]float64
	gain  [gainSteps]float64
}

// gainSteps is the resolution of the off-centre power correction.
const gainSteps = 33

// filters[0:4] are the row tones, filters[4:8] the column tones.
var filters [nTones]toneFilter

func init() {
	for i := range filters {
		f := rowFreqs[i%4]
		if i >= 4 {
			f = colFreqs[i%4]
		}
		w := 2 * math.Pi * f / SampleRate
		t := &filters[i]
		t.coef, t.cos, t.sin = 2*math.Cos(w), math.Cos(w), math.Sin(w)
		for k := range t.rot {
			a := -w * subN * float64(k)
			t.rot[k] = complex(math.Cos(a), math.Sin(a))
		}
		for k, sign := range [2]float64{-1, 1} {
			t.probe[k] = 2 * math.Cos(w*(1+sign*freqTolerance))
		}
		// A tone exactly freqTolerance off lies on a probe; the centre filter
		// then sees the rectangular window's response at that offset.
		spacing := freqTolerance * f * winN / SampleRate // probe spacing in bins
		t.minRatio = dirichlet2(spacing)
		for i := range gainSteps {
			delta := spacing * float64(i) / (gainSteps - 1)
			t.ratio[i] = dirichlet2(delta) / dirichlet2(spacing-delta)
			t.gain[i] = 1 / dirichlet2(delta)
		}
	}
}

// dirichlet2 is the power response of a winN-point rectangular window to a
// tone delta bins off centre, relative to a tone on centre.
func dirichlet2(delta float64) float64 {
	if delta == 0 {
		return 1
	}
	x := math.Pi * delta
	d := math.Sin(x) / (winN * math.Sin(x/winN))
	return d * d
}

// Detector finds DTMF key presses in 8 kHz linear PCM (in-band DTMF), for
// example decoded G.711 from a call. It reports each press once, after the
// tone pair has lasted 40 ms, and needs a gap of about 30 ms before it
// reports the same key again.
//
// A key is accepted when, in 20 ms windows sliding by 5 ms:
//   - each tone has a peak of at least MinAmplitude (about -30 dBm0);
//   - twist is within 8 dB (row louder) and 4 dB (column louder);
//   - each tone is 8 dB above the other tones of its group;
//   - each tone is within ±2.5% of its nominal frequency (±1.5% is
//     accepted, ±3.5% rejected);
//   - the two tones carry 85% of the window's energy (speech, noise and
//     music fail this);
//   - four consecutive windows agree, and the tone has filled 40 ms of
//     consecutive 5 ms sub-blocks (tones of 30 ms are rejected).
//
// The zero value is ready to use; a Detector is not safe for concurrent use
// and Feed allocates nothing.
type Detector struct {
	buf  [subN]int16 // sub-block being filled
	nbuf int         // samples in buf

	// The last winSubs sub-blocks: samples and Goertzel phasors, indexed
	// together; slot is the oldest (the next to be overwritten).
	samples [winSubs][subN]int16
	phasors [winSubs][nTones]complex128
	slot    int

	// History for the duration check, newest at hist.
	energy [histSubs]float64         // energy of each sub-block
	power  [histSubs][nTones]float64 // tone powers of each sub-block
	hist   int

	cand       byte // key of the last window, 0 if none
	candR      int  // its row filter index
	candC      int  // its column filter index
	hits       int  // consecutive windows that found cand
	last       byte // key reported and not yet released, 0 if none
	sinceFound int  // windows since last was last seen
}

// Feed analyses samples (8 kHz linear PCM; normally one 20 ms frame of 160
// samples, but any length works) and returns a key when a key press is
// recognised. If more than one press completes within one call, only the
// first is returned, so feed at most 40 ms at a time.
func (d *Detector) Feed(samples []int16) (key byte, ok bool) {
	for len(samples) > 0 {
		n := copy(d.buf[d.nbuf:], samples)
		d.nbuf += n
		samples = samples[n:]
		if d.nbuf < subN {
			break
		}
		d.nbuf = 0
		if k, found := d.subBlock(); found && !ok {
			key, ok = k, true
		}
	}
	return key, ok
}

// Reset returns the detector to its initial state.
func (d *Detector) Reset() { *d = Detector{} }

// subBlock analyses the sub-block in buf and tracks the key presses.
func (d *Detector) subBlock() (byte, bool) {
	slot := d.slot
	d.slot = (d.slot + 1) % winSubs
	d.hist = (d.hist + 1) % histSubs
	d.samples[slot] = d.buf

	var x [subN]float64
	var e float64
	for i, s := range d.buf {
		v := float64(s)
		x[i] = v
		e += v * v
	}
	d.energy[d.hist] = e
	if e < quietGate {
		d.phasors[slot] = [nTones]complex128{}
		d.power[d.hist] = [nTones]float64{}
	} else {
		d.filter(&x, slot, 0)
		d.filter(&x, slot, 4)
	}
	key, r, c := d.window()
	return d.track(key, r, c)
}

// filter runs the four Goertzel filters from first over the sub-block x,
// interleaved so that the four recurrences do not wait on each other, and
// stores their phasors and powers.
func (d *Detector) filter(x *[subN]float64, slot, first int) {
	f := filters[first : first+4]
	c0, c1, c2, c3 := f[0].coef, f[1].coef, f[2].coef, f[3].coef
	var a1, a2, b1, b2, e1, e2, g1, g2 float64
	for _, v := range x {
		a1, a2 = v+c0*a1-a2, a1
		b1, b2 = v+c1*b1-b2, b1
		e1, e2 = v+c2*e1-e2, e1
		g1, g2 = v+c3*g1-g2, g1
	}
	for i, s := range [4][2]float64{{a1, a2}, {b1, b2}, {e1, e2}, {g1, g2}} {
		re, im := s[0]-f[i].cos*s[1], f[i].sin*s[1]
		d.phasors[slot][first+i] = complex(re, im)
		d.power[d.hist][first+i] = re*re + im*im
	}
}
