package mix

import (
	"testing"

	"github.com/ivrbox/ivrbox/media/stream"
)

const (
	fA = 1000.0 // what A says
	fB = 1400.0 // what B says
	fP = 500.0  // what the room plays
)

// TestMixMinus: C hears A and B, A hears B and not itself, B hears A and
// not itself.
func TestMixMinus(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	a := newPeer(r, stream.PCMU, sine(fA, 0.3))
	b := newPeer(r, stream.PCMU, sine(fB, 0.3))
	c := newPeer(r, stream.PCMU, nil)
	frames(e, 50, a, b, c)
	if n := r.Members(); n != 3 {
		t.Fatalf("Members = %d, want 3", n)
	}
	hears(t, "C", c.last(40), fA, 0.35)
	hears(t, "C", c.last(40), fB, 0.35)
	hears(t, "A", a.last(40), fB, 0.9)
	hearsNot(t, "A", a.last(40), fA)
	hears(t, "B", b.last(40), fA, 0.9)
	hearsNot(t, "B", b.last(40), fB)
}

// TestMuted: a muted A is heard by nobody and still hears B; unmuted, it
// is heard again.
func TestMuted(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	a := newPeer(r, stream.PCMU, sine(fA, 0.3))
	b := newPeer(r, stream.PCMU, sine(fB, 0.3))
	c := newPeer(r, stream.PCMU, nil)
	a.m.SetMuted(true)
	if !a.m.Muted() {
		t.Fatal("Muted false after SetMuted(true)")
	}
	frames(e, 50, a, b, c)
	silent(t, "B", b.last(40))
	hears(t, "C", c.last(40), fB, 0.9)
	hearsNot(t, "C", c.last(40), fA)
	hears(t, "A", a.last(40), fB, 0.9)
	if !a.m.Talking() {
		t.Error("a muted member who talks is not Talking")
	}

	a.m.SetMuted(false)
	frames(e, 50, a, b, c)
	hears(t, "B", b.last(40), fA, 0.9)
	hears(t, "C", c.last(40), fA, 0.35)
}

// TestCodecs: µ-law and A-law members in one room, and a stream that
// changes its codec, each hear the right mix in their own codec.
func TestCodecs(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	a := newPeer(r, stream.PCMA, sine(fA, 0.3))
	b := newPeer(r, stream.PCMU, sine(fB, 0.3))
	c := newPeer(r, stream.PCMA, nil)
	d := newPeer(r, stream.PCMU, nil)
	for i := range 50 {
		d.codec = []stream.Codec{stream.PCMU, stream.PCMA}[i%2] // switches every frame
		frames(e, 1, a, b, c, d)
	}
	hears(t, "A (PCMA)", a.last(40), fB, 0.9)
	hearsNot(t, "A (PCMA)", a.last(40), fA)
	hears(t, "B (PCMU)", b.last(40), fA, 0.9)
	hearsNot(t, "B (PCMU)", b.last(40), fB)
	for _, p := range []struct {
		who string
		p   *peer
	}{{"C (PCMA)", c}, {"D (switching)", d}} {
		hears(t, p.who, p.p.last(40), fA, 0.35)
		hears(t, p.who, p.p.last(40), fB, 0.35)
	}
}

// TestLoudPair: two full-scale tones in phase clip in the sum instead of
// wrapping around: what C hears keeps the tone's sign at every sample and
// reaches full scale.
func TestLoudPair(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	loud := sine(fA, 1)
	a := newPeer(r, stream.PCMU, loud)
	b := newPeer(r, stream.PCMU, loud)
	c := newPeer(r, stream.PCMA, nil)
	frames(e, 50, a, b, c)
	heard := c.last(40)
	// The rings are in step, so C hears frame k of the tone in frame k.
	said := c.heard[:0:0]
	for i := range 50 * stream.FrameSamples {
		said = append(said, loud[i%len(loud)])
	}
	said = said[len(said)-len(heard):]
	peak := int16(0)
	for i, s := range heard {
		in := said[i]
		if (in > 2000 && s < 0) || (in < -2000 && s > 0) {
			t.Fatalf("sample %d: said %d (twice), heard %d: wrapped around", i, in, s)
		}
		if in > 2000 && s < in/2 || in < -2000 && s > in/2 {
			t.Fatalf("sample %d: said %d (twice), heard only %d", i, in, s)
		}
		peak = max(peak, s)
	}
	if peak < 32000 {
		t.Errorf("peak heard %d, want full scale", peak)
	}
	hears(t, "C", heard, fA, 0.8)
	hears(t, "A", a.last(40), fA, 0.9) // A hears B's copy, unclipped
}

// TestSaturate: the arithmetic at the limits, with many full-scale members.
func TestSaturate(t *testing.T) {
	var sum sumFrame
	var pos, neg, out pcmFrame
	for i := range pos {
		pos[i], neg[i] = 32767, -32768
	}
	for range 300 {
		accumulate(&sum, &neg)
	}
	clip(&out, &sum)
	if out[0] != -32768 {
		t.Errorf("300 × -32768 clipped to %d", out[0])
	}
	minus(&out, &sum, &neg)
	if out[0] != -32768 {
		t.Errorf("299 × -32768 clipped to %d", out[0])
	}
	sum = sumFrame{}
	accumulate(&sum, &pos)
	accumulate(&sum, &neg)
	minus(&out, &sum, &neg)
	if out[0] != 32767 {
		t.Errorf("(32767 - 32768) - (-32768) = %d, want 32767", out[0])
	}
	for _, c := range []struct {
		in   int32
		want int16
	}{{0, 0}, {32767, 32767}, {32768, 32767}, {-32768, -32768}, {-32769, -32768}, {1 << 30, 32767}, {-1 << 30, -32768}} {
		if got := saturate(c.in); got != c.want {
			t.Errorf("saturate(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

// TestPlay: what the room plays is heard by every member, over what they
// say; StopPlay stops it at the next tick.
func TestPlay(t *testing.T) {
	e := manual(t)
	r := e.NewRoom()
	a := newPeer(r, stream.PCMU, sine(fA, 0.2))
	b := newPeer(r, stream.PCMA, nil)
	c := newPeer(r, stream.PCMU, nil)
	c.m.SetMuted(true)
	r.Play(sine(fP, 0.3)[:4000]) // half a second: 25 frames
	if !r.Playing() {
		t.Fatal("Playing false after Play")
	}
	frames(e, 20, a, b, c)
	hears(t, "A", a.last(20), fP, 0.9)
	hears(t, "B", b.last(20), fP, 0.5)
	hears(t, "B", b.last(20), fA, 0.2)
	hears(t, "C (muted)", c.last(20), fP, 0.5)
	frames(e, 5, a, b, c)
	if r.Playing() {
		t.Fatal("Playing true after the clip's 25 frames")
	}
	frames(e, 10, a, b, c)
	silent(t, "A", a.last(10))
	hearsNot(t, "B", b.last(10), fP)

	r.Play(sine(fP, 0.3))
	r.Play(sine(fP, 0.3))
	frames(e, 5, a, b, c)
	r.StopPlay()
	frames(e, 10, a, b, c)
	if r.Playing() {
		t.Error("Playing true after StopPlay")
	}
	silent(t, "A", a.last(10))
	r.Play(sine(fP, 0.3))
	frames(e, 10, a, b, c)
	hears(t, "A", a.last(9), fP, 0.9) // queued after StopPlay: plays
}

// TestTalking: voice activity starts with a loud frame and ends a hangover
// after the last one; silence and a removed member are not talking.
func TestTalking(t *testing.T) {
	e := manual(t) // 20 ms ticks, 300 ms hangover: 15 frames
	r := e.NewRoom()
	a := newPeer(r, stream.PCMU, sine(fA, 0.1))
	b := newPeer(r, stream.PCMU, nil)
	quiet := newPeer(r, stream.PCMU, sine(fA, 0.005)) // rms about 116, under the level
	frames(e, 1, a, b, quiet)
	if !a.m.Talking() || b.m.Talking() || quiet.m.Talking() {
		t.Fatalf("after a frame: talking %v %v %v, want true false false", a.m.Talking(), b.m.Talking(), quiet.m.Talking())
	}
	a.say = nil
	frames(e, 14, a, b, quiet)
	if !a.m.Talking() {
		t.Fatal("talking ended within the hangover")
	}
	frames(e, 1, a, b, quiet)
	if a.m.Talking() {
		t.Fatal("talking after the hangover")
	}
	a.say = sine(fA, 0.1)
	frames(e, 1, a, b, quiet)
	r.Remove(a.m)
	if a.m.Talking() {
		t.Error("a removed member is talking")
	}
}
