package mix

import (
	"math"
	"testing"

	"github.com/ivrbox/ivrbox/media/stream"
	"github.com/ivrbox/ivrbox/media/tone"
)

// peer plays a member's stream: it feeds the member what its caller says
// (one frame per call of send, as a shard would) and reads what the caller
// hears (listen), keeping it decoded.
type peer struct {
	m     *Member
	codec stream.Codec
	say   []int16 // looped; nil: nothing is received (HasIn false)
	off   int
	frame stream.Frame
	buf   [stream.FrameSamples]byte
	pcm   [stream.FrameSamples]int16
	heard []int16 // every frame read, silence where ReadFrame gave none
	keep  bool    // append to heard
}

func newPeer(r *Room, c stream.Codec, say []int16) *peer {
	return &peer{m: r.Add(), codec: c, say: say, keep: true}
}

// send hands the member one frame of what the caller says.
func (p *peer) send() {
	f := &p.frame
	f.Index++
	f.Codec = p.codec
	f.HasIn = p.say != nil
	if !f.HasIn {
		for i := range f.In {
			f.In[i] = p.codec.Silence()
		}
		p.m.WriteFrame(f)
		return
	}
	for i := range p.pcm {
		p.pcm[i] = p.say[p.off]
		p.off = (p.off + 1) % len(p.say)
	}
	p.codec.Encode(f.In[:], p.pcm[:])
	p.m.WriteFrame(f)
}

// listen reads one frame of what the caller hears; it reports whether
// the member had one.
func (p *peer) listen() bool {
	ok := p.m.ReadFrame(p.buf[:], p.codec)
	if !ok {
		clear(p.pcm[:])
	} else {
		p.codec.Decode(p.pcm[:], p.buf[:])
	}
	if p.keep {
		p.heard = append(p.heard, p.pcm[:]...)
	}
	return ok
}

// last returns the last n frames heard.
func (p *peer) last(n int) []int16 { return p.heard[len(p.heard)-n*stream.FrameSamples:] }

// frames runs n frames: every peer sends, the engine ticks, every peer
// listens.
func frames(e *Engine, n int, peers ...*peer) {
	for range n {
		for _, p := range peers {
			p.send()
		}
		e.Tick()
		for _, p := range peers {
			p.listen()
		}
	}
}

// sine returns a second of a tone at freq (a whole number of cycles, so
// it loops without a click) at amp of full scale.
func sine(freq, amp float64) []int16 { return tone.Sine([]float64{freq}, 1000, amp) }

// rms returns the RMS level of pcm.
func rms(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	return math.Sqrt(float64(energy(pcm)) / float64(len(pcm)))
}

// hears fails unless pcm carries freq with at least share of its energy
// and a level above silence.
func hears(t *testing.T, who string, pcm []int16, freq, share float64) {
	t.Helper()
	if l := rms(pcm); l < 500 {
		t.Errorf("%s: hears silence (rms %.0f), want %v Hz", who, l, freq)
		return
	}
	if p := tone.Power(pcm, freq); p < share {
		t.Errorf("%s: %v Hz has %.3f of the energy, want at least %.2f", who, freq, p, share)
	}
}

// hearsNot fails if pcm carries freq (more than 1% of its energy).
func hearsNot(t *testing.T, who string, pcm []int16, freq float64) {
	t.Helper()
	if p := tone.Power(pcm, freq); p > 0.01 && rms(pcm) > 50 {
		t.Errorf("%s: hears %v Hz (%.3f of the energy, rms %.0f)", who, freq, p, rms(pcm))
	}
}

// silent fails unless pcm is (nearly) silence.
func silent(t *testing.T, who string, pcm []int16) {
	t.Helper()
	if l := rms(pcm); l > 50 {
		t.Errorf("%s: hears rms %.0f, want silence", who, l)
	}
}

func manual(t testing.TB) *Engine {
	e := New(Options{Manual: true})
	t.Cleanup(func() { _ = e.Close() })
	return e
}
