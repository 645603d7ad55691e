package conf

import (
	"math"

	"github.com/ivrbox/ivrbox/media/prompt"
)

// The join and leave tones: two short beeps, rising when someone joins and
// falling when someone leaves. They are made once and shared (mix.Room.Play
// only reads them).
var (
	joinTone  = beeps(600, 900)
	leaveTone = beeps(900, 600)
)

// Tone shape: each beep 100 ms with 5 ms ramps, 50 ms apart, at about
// -12 dBFS.
const (
	beepMs  = 100
	gapMs   = 50
	rampMs  = 5
	beepAmp = 8000
)

// beeps returns 8 kHz PCM of a beep at each frequency (Hz), in order.
func beeps(freqs ...float64) []int16 {
	per := prompt.Rate * beepMs / 1000
	gap := prompt.Rate * gapMs / 1000
	ramp := prompt.Rate * rampMs / 1000
	out := make([]int16, 0, len(freqs)*(per+gap))
	for i, f := range freqs {
		if i > 0 {
			out = append(out, make([]int16, gap)...)
		}
		for n := range per {
			g := 1.0
			if edge := min(n, per-1-n); edge < ramp {
				g = float64(edge) / float64(ramp)
			}
			s := g * beepAmp * math.Sin(2*math.Pi*f*float64(n)/prompt.Rate)
			out = append(out, int16(s))
		}
	}
	return out
}
