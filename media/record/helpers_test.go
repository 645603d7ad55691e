package record

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// Test tones: the caller sends 1 kHz, the box 440 Hz.
const (
	inFreq  = 1000.0
	outFreq = 440.0
	toneAmp = 0.4 * math.MaxInt16
)

// testDate is the time of the fake clock: the date folder is 2026/03/14.
var testDate = time.Date(2026, 3, 14, 23, 59, 30, 0, time.UTC)

// fakeClock is a Clock whose tickers tick only when the test says so. It
// must be made inside the synctest bubble it is used in.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	ticks []chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: testDate} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time)
	c.ticks = append(c.ticks, ch)
	return ch, func() {}
}

// tick ticks every writer once and, in a synctest bubble, waits until
// they are idle again.
func (c *fakeClock) tick() {
	c.mu.Lock()
	ticks := c.ticks
	c.mu.Unlock()
	for _, ch := range ticks {
		ch <- c.Now()
	}
	synctest.Wait()
}

// fakeStream is an Attacher that keeps the sinks it is given, and counts
// what the recorder asks of it.
type fakeStream struct {
	mu      sync.Mutex
	sinks   []stream.Sink
	added   int
	removed int
	addErr  error
}

func (s *fakeStream) AddSink(k stream.Sink) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addErr != nil {
		return s.addErr
	}
	s.added++
	s.sinks = append(s.sinks, k)
	return nil
}

func (s *fakeStream) RemoveSink(k stream.Sink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removed++
	for i, x := range s.sinks {
		if x == k {
			s.sinks = append(s.sinks[:i], s.sinks[i+1:]...)
			return
		}
	}
}

// attached returns the sinks attached now.
func (s *fakeStream) attached() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sinks)
}

// counts returns how many times AddSink and RemoveSink were called.
func (s *fakeStream) counts() (added, removed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.added, s.removed
}

var _ Attacher = (*fakeStream)(nil)

// sine fills p with frame index's samples of a sine at freq.
func sine(p *pcm, index uint64, freq float64) {
	for i := range p {
		n := float64(index)*frameSamples + float64(i)
		p[i] = int16(math.Round(toneAmp * math.Sin(2*math.Pi*freq*n/sampleRate)))
	}
}

// toneFrame returns frame index with the caller's 1 kHz and the box's
// 440 Hz, in PCMU.
func toneFrame(index uint64) *stream.Frame {
	f := &stream.Frame{Index: index, Codec: stream.PCMU, HasIn: true, HasOut: true}
	var p pcm
	sine(&p, index, inFreq)
	stream.PCMU.Encode(f.In[:], p[:])
	sine(&p, index, outFreq)
	stream.PCMU.Encode(f.Out[:], p[:])
	return f
}

// feed writes frames first..first+n-1 into tap, as a shard would.
func feed(tap stream.Sink, first uint64, n int) {
	for i := range uint64(n) {
		tap.WriteFrame(toneFrame(first + i))
	}
}

// play feeds frames first..first+n-1 like feed, ticking the writers after
// every 500 ms of them, as real time would: no frame is dropped.
func play(clk *fakeClock, tap stream.Sink, first uint64, n int) {
	for n > 0 {
		k := min(n, 25)
		feed(tap, first, k)
		clk.tick()
		first, n = first+uint64(k), n-k
	}
}

// playFunc is play with frames made by mk.
func playFunc(clk *fakeClock, tap stream.Sink, first uint64, n int, mk func(index uint64) *stream.Frame) {
	for i := range uint64(n) {
		tap.WriteFrame(mk(first + i))
		if i%25 == 24 {
			clk.tick()
		}
	}
}

// wav is a WAV file read back: its header and its samples per channel.
type wav struct {
	h    wavHeader
	size int64
	ch   [][]int16
}

// readWAV reads and checks the WAV file at path: the header must describe
// exactly the audio that follows it.
func readWAV(t testing.TB, path string) wav {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := parseHeader(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if h.DataOff != headerSize || h.Bits != 16 || h.Rate != sampleRate {
		t.Fatalf("%s: header %+v, want 16-bit 8 kHz from byte 44", path, h)
	}
	if got, want := int64(h.DataSize), int64(len(b))-h.DataOff; got != want {
		t.Fatalf("%s: data size %d in the header, %d on disk", path, got, want)
	}
	if riff := binary.LittleEndian.Uint32(b[4:]); int64(riff) != int64(len(b))-8 {
		t.Fatalf("%s: RIFF size %d, file of %d bytes", path, riff, len(b))
	}
	w := wav{h: h, size: int64(len(b)), ch: make([][]int16, h.Channels)}
	data := b[h.DataOff:]
	for i := 0; i+h.Align <= len(data); i += h.Align {
		for c := range h.Channels {
			w.ch[c] = append(w.ch[c], int16(binary.LittleEndian.Uint16(data[i+2*c:])))
		}
	}
	return w
}

// duration returns the audio in w.
func (w wav) duration() time.Duration {
	return time.Duration(len(w.ch[0])) * time.Second / sampleRate
}

// power returns the Goertzel power of x at freq, normalised by the
// signal's energy: about 1 for a pure sine at freq, 1/n for one of n equal
// sines, near 0 when freq is absent, 0 for silence.
func power(x []int16, freq float64) float64 {
	var energy float64
	for _, s := range x {
		energy += float64(s) * float64(s)
	}
	if energy == 0 {
		return 0
	}
	w := 2 * math.Pi * freq / sampleRate
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, s := range x {
		s1, s2 = float64(s)+coeff*s1-s2, s1
	}
	re, im := s1-s2*math.Cos(w), s2*math.Sin(w)
	return 2 * (re*re + im*im) / (float64(len(x)) * energy)
}

// checkTones checks by content that x carries the caller's tone if wantIn
// and not otherwise, and the same for the box's tone.
func checkTones(t testing.TB, what string, x []int16, wantIn, wantOut bool) {
	t.Helper()
	const present, absent = 0.2, 0.02
	for _, c := range []struct {
		name string
		freq float64
		want bool
	}{{"caller's 1 kHz", inFreq, wantIn}, {"box's 440 Hz", outFreq, wantOut}} {
		p := power(x, c.freq)
		if c.want && p < present {
			t.Errorf("%s: the %s is missing (power %.3f)", what, c.name, p)
		}
		if !c.want && p > absent {
			t.Errorf("%s: the %s is there (power %.3f)", what, c.name, p)
		}
	}
}

// silent reports whether every sample of x is zero.
func silent(x []int16) bool {
	for _, s := range x {
		if s != 0 {
			return false
		}
	}
	return true
}

// newTestRecorder makes a recorder on a fresh folder with the fake clock
// and one writer, unless opts says otherwise; it closes at the test's end.
func newTestRecorder(t *testing.T, clk *fakeClock, opts Options) *Recorder {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Writers == 0 {
		opts.Writers = 1
	}
	opts.Clock = clk
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// start starts a recording of a new fake stream and returns its tap.
func start(t *testing.T, r *Recorder, spec Spec) (*Recording, *fakeStream, stream.Sink) {
	t.Helper()
	src := &fakeStream{}
	rec, err := r.Start(src, spec)
	if err != nil {
		t.Fatalf("Start(%+v): %v", spec, err)
	}
	return rec, src, src.sinks[0]
}

// abs returns the path on disk of a file of r.
func abs(r *Recorder, rel string) string {
	return filepath.Join(r.opts.Dir, filepath.FromSlash(rel))
}
