package dtmf

// window examines the 20 ms window of the last winSubs sub-blocks and
// returns the key it holds with its row and column filter indices, or key 0.
func (d *Detector) window() (key byte, r, c int) {
	var ew float64
	for i := range winSubs {
		ew += d.energy[(d.hist-i+histSubs)%histSubs]
	}
	if ew < windowGate {
		return 0, 0, 0
	}
	var p [nTones]float64
	for f := range filters {
		var w complex128
		for i := range winSubs {
			w += d.phasors[(d.slot+i)%winSubs][f] * filters[f].rot[i]
		}
		p[f] = real(w)*real(w) + imag(w)*imag(w)
	}
	r, okR := strongest(p[:4], 0)
	c, okC := strongest(p[4:], 4)
	if !okR || !okC {
		return 0, 0, 0
	}
	probes := d.probes(r, c)
	pr, okR := checkFreq(r, p[r], max(probes[0], probes[1]))
	pc, okC := checkFreq(c, p[c], max(probes[2], probes[3]))
	switch {
	case !okR || !okC:
		return 0, 0, 0
	case pr < minPower || pc < minPower:
		return 0, 0, 0
	case pr > normalTwist*pc || pc > reverseTwist*pr:
		return 0, 0, 0
	case 2*(pr+pc) < toneShare*winN*ew:
		return 0, 0, 0
	}
	return keypad[r][c-4], r, c
}

// strongest returns the index (plus base) of the largest power in group and
// whether it exceeds every other one by relativePeak.
func strongest(group []float64, base int) (int, bool) {
	best := 0
	for i := range group {
		if group[i] > group[best] {
			best = i
		}
	}
	for i := range group {
		if i != best && group[best] < relativePeak*group[i] {
			return best + base, false
		}
	}
	return best + base, true
}

// checkFreq reports whether filter f's tone, with power centre at the
// nominal frequency and probe at the stronger probe (±freqTolerance), is
// closer to the nominal frequency than the tolerance, and returns its power
// corrected for the offset from the centre (so tones slightly off frequency
// are not under-measured).
func checkFreq(f int, centre, probe float64) (float64, bool) {
	t := &filters[f]
	if centre < t.minRatio*probe {
		return 0, false
	}
	return centre * t.offsetGain(centre, probe), true
}

// offsetGain interpolates the power correction for a tone whose centre and
// probe powers are centre and probe.
func (t *toneFilter) offsetGain(centre, probe float64) float64 {
	if centre >= t.ratio[0]*probe {
		return 1
	}
	for i := 1; i < gainSteps; i++ {
		if centre >= t.ratio[i]*probe {
			r := centre / probe
			frac := (t.ratio[i-1] - r) / (t.ratio[i-1] - t.ratio[i])
			return t.gain[i-1] + frac*(t.gain[i]-t.gain[i-1])
		}
	}
	return t.gain[gainSteps-1]
}

// probes returns the powers over the window's samples at the low and high
// probes of filters r and c, running the four filters interleaved.
func (d *Detector) probes(r, c int) [4]float64 {
	k := [4]float64{filters[r].probe[0], filters[r].probe[1], filters[c].probe[0], filters[c].probe[1]}
	var a1, a2, b1, b2, e1, e2, g1, g2 float64
	for i := range winSubs {
		for _, s := range d.samples[(d.slot+i)%winSubs] {
			v := float64(s)
			a1, a2 = v+k[0]*a1-a2, a1
			b1, b2 = v+k[1]*b1-b2, b1
			e1, e2 = v+k[2]*e1-e2, e1
			g1, g2 = v+k[3]*g1-g2, g1
		}
	}
	return [4]float64{
		a1*a1 + a2*a2 - k[0]*a1*a2,
		b1*b1 + b2*b2 - k[1]*b1*b2,
		e1*e1 + e2*e2 - k[2]*e1*e2,
		g1*g1 + g2*g2 - k[3]*g1*g2,
	}
}

// track follows the window results and reports a key press once it has
// lasted long enough; a reported key must disappear for gapWindows windows
// before it can be reported again.
func (d *Detector) track(key byte, r, c int) (byte, bool) {
	switch {
	case key == 0:
		d.cand, d.hits = 0, 0
	case key == d.cand:
		d.hits++
	default:
		d.cand, d.candR, d.candC, d.hits = key, r, c, 1
	}
	if d.last != 0 {
		if key == d.last {
			d.sinceFound = 0
		} else if d.sinceFound++; d.sinceFound >= gapWindows {
			d.last = 0
		}
	}
	if key == 0 || key == d.last || d.hits < minHits || d.onRun() < minOnSubs {
		return 0, false
	}
	d.last, d.sinceFound = key, 0
	return key, true
}

// onRun counts the consecutive sub-blocks, newest first, that carry the
// candidate's two tones at about the level of the current window.
func (d *Detector) onRun() int {
	var ref float64
	for i := range winSubs {
		ref += d.energy[(d.hist-i+histSubs)%histSubs]
	}
	ref /= winSubs
	n := 0
	for i := range histSubs {
		j := (d.hist - i + histSubs) % histSubs
		e := d.energy[j]
		if e == 0 || e < onEnergy*ref {
			break
		}
		if 2*(d.power[j][d.candR]+d.power[j][d.candC]) < onShare*subN*e {
			break
		}
		n++
	}
	return n
}
