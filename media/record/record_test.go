package record

import (
	"errors"
	"io/fs"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

func TestFormats(t *testing.T) {
	type channel struct{ in, out bool } // the tones a channel must carry
	tests := []struct {
		format Format
		files  []string
		chans  [][]channel // per file, per channel
	}{
		{Mixed, []string{"2026/03/14/c1-greeting.wav"}, [][]channel{{{true, true}}}},
		{Stereo, []string{"2026/03/14/c1-greeting.wav"}, [][]channel{{{true, false}, {false, true}}}},
		{Split, []string{"2026/03/14/c1-greeting-in.wav", "2026/03/14/c1-greeting-out.wav"},
			[][]channel{{{true, false}}, {{false, true}}}},
		{In, []string{"2026/03/14/c1-greeting.wav"}, [][]channel{{{true, false}}}},
	}
	for _, tt := range tests {
		t.Run(tt.format.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clk := newFakeClock()
				r := newTestRecorder(t, clk, Options{})
				rec, src, tap := start(t, r, Spec{Format: tt.format, CallID: "c1", Name: "greeting"})
				play(clk, tap, 1000, 120) // 2.4 s, in several drains
				feed(tap, 1120, 30)
				res := rec.Stop("hangup")
				if res.Reason != "hangup" || res.Err != nil || res.Duration != 3*time.Second {
					t.Fatalf("result %+v, want hangup after 3 s", res)
				}
				if _, removed := src.counts(); removed != 1 || src.attached() != 0 {
					t.Errorf("RemoveSink called %d times, %d sinks attached; want the tap detached once", removed, src.attached())
				}
				if len(res.Files) != len(tt.files) {
					t.Fatalf("files %+v, want %v", res.Files, tt.files)
				}
				for i, f := range res.Files {
					w := readWAV(t, abs(r, f.Path))
					if f.Path != tt.files[i] || f.Channels != len(tt.chans[i]) || w.h.Channels != f.Channels ||
						f.Bytes != w.size || f.Duration != 3*time.Second || w.duration() != 3*time.Second {
						t.Errorf("file %+v (%d channels, %d bytes, %v on disk), want %s with %d channels, 3 s",
							f, w.h.Channels, w.size, w.duration(), tt.files[i], len(tt.chans[i]))
					}
					for c, want := range tt.chans[i] {
						checkTones(t, f.Path, w.ch[c], want.in, want.out)
					}
				}
				if _, err := os.Stat(abs(r, tt.files[0]+partSuffix)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("the .part file is still there: %v", err)
				}
			})
		})
	}
}

func TestMixClips(t *testing.T) {
	a, b := pcm{30000, -30000, 100}, pcm{30000, -30000, -50}
	mix(&a, &b)
	if a[0] != 32767 || a[1] != -32768 || a[2] != 50 {
		t.Errorf("mix = %v, want clipped 32767, -32768 and 50", a[:3])
	}
}

func TestGapsAreSilence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		r := newTestRecorder(t, clk, Options{})
		rec, _, tap := start(t, r, Spec{Format: Stereo, CallID: "c1", Name: "gap"})
		play(clk, tap, 0, 50) // 1 s
		feed(tap, 75, 25)     // frames 50-74 were never delivered
		res := rec.Stop("")
		if res.Reason != ReasonStopped || res.Duration != 2*time.Second {
			t.Fatalf("result %+v, want stopped after 2 s", res)
		}
		w := readWAV(t, abs(r, res.Files[0].Path))
		for c := range 2 {
			if x := w.ch[c][50*frameSamples : 75*frameSamples]; !silent(x) {
				t.Errorf("channel %d: the gap is not silence", c)
			}
			checkTones(t, "before the gap", w.ch[c][:50*frameSamples], c == 0, c == 1)
			checkTones(t, "after the gap", w.ch[c][75*frameSamples:], c == 0, c == 1)
		}
	})
}

func TestDroppedFramesKeepTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		r := newTestRecorder(t, clk, Options{})
		rec, _, tap := start(t, r, Spec{CallID: "c1", Name: "late"})
		feed(tap, 0, r.ring+30) // the writer is late: the last 30 frames are dropped
		clk.tick()
		feed(tap, uint64(r.ring+30), 20)
		res := rec.Stop("")
		want := time.Duration(r.ring+50) * frameDur
		if res.Dropped != 30 || res.Duration != want || res.Reason != ReasonStopped {
			t.Fatalf("result %+v, want 30 dropped and %v", res, want)
		}
		w := readWAV(t, abs(r, res.Files[0].Path))
		if !silent(w.ch[0][r.ring*frameSamples : (r.ring+30)*frameSamples]) {
			t.Error("the dropped frames are not silence")
		}
	})
}

func TestNothingReceivedIsSilence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestRecorder(t, newFakeClock(), Options{})
		rec, _, tap := start(t, r, Spec{Format: Mixed, CallID: "c1", Name: "quiet"})
		for i := range uint64(10) {
			// A-law silence bytes decode to ±8, not 0; HasIn/HasOut say they are silence.
			f := stream.Frame{Index: i, Codec: stream.PCMA}
			for j := range f.In {
				f.In[j], f.Out[j] = 0xD5, 0xD5
			}
			tap.WriteFrame(&f)
		}
		res := rec.Stop("")
		if w := readWAV(t, abs(r, res.Files[0].Path)); !silent(w.ch[0]) || w.duration() != 200*time.Millisecond {
			t.Errorf("%v of audio, want 200 ms of exact silence", w.duration())
		}
	})
}

func TestMaxDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		var finished []Result
		r := newTestRecorder(t, clk, Options{OnFinish: func(res Result) { finished = append(finished, res) }})
		rec, src, tap := start(t, r, Spec{Format: Split, CallID: "c1", Name: "max", MaxDuration: 990 * time.Millisecond})
		play(clk, tap, 0, 80)
		select {
		case <-rec.Done():
		default:
			t.Fatal("not done after MaxDuration")
		}
		res := rec.Result()
		if res.Reason != ReasonMaxDuration || res.Duration != time.Second || res.Files[1].Duration != time.Second {
			t.Errorf("result %+v, want max-duration after 1 s (990 ms rounded up to frames)", res)
		}
		if len(finished) != 1 || finished[0].Reason != ReasonMaxDuration {
			t.Errorf("OnFinish heard %+v, want the one result", finished)
		}
		if src.attached() != 0 {
			t.Error("the tap is still attached")
		}
		if got := rec.Stop("hangup"); got.Reason != ReasonMaxDuration {
			t.Errorf("Stop after the end: reason %q, want the first one", got.Reason)
		}
	})
}

func TestSilenceStop(t *testing.T) {
	tests := []struct {
		name  string
		quiet func(f *stream.Frame) // makes a frame of the quiet part
	}{
		{"nothing received", func(f *stream.Frame) { f.HasIn = false }},
		{"under the level", func(f *stream.Frame) {
			var p pcm
			for i := range p {
				p[i] = int16(200 * (i%2*2 - 1)) // RMS 200 < 328
			}
			stream.PCMU.Encode(f.In[:], p[:])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clk := newFakeClock()
				r := newTestRecorder(t, clk, Options{})
				rec, _, tap := start(t, r, Spec{Format: In, CallID: "c1", Name: "vm", SilenceStop: time.Second})
				quiet := func(index uint64) *stream.Frame {
					f := toneFrame(index) // the box still plays: only the caller counts
					tt.quiet(f)
					return f
				}
				play(clk, tap, 0, 30)             // speech
				playFunc(clk, tap, 30, 40, quiet) // 800 ms of silence
				play(clk, tap, 70, 20)            // speech again
				playFunc(clk, tap, 90, 60, quiet) // a second of silence, and more
				clk.tick()
				<-rec.Done()
				if res := rec.Result(); res.Reason != ReasonSilence || res.Duration != 2800*time.Millisecond {
					t.Errorf("result %+v, want silence after 1.8 s and 1 s of silence", res)
				}
			})
		})
	}
}

func TestHeaderValidWhileGrowing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		r := newTestRecorder(t, clk, Options{FlushEvery: 200 * time.Millisecond})
		rec, _, tap := start(t, r, Spec{Format: Stereo, CallID: "c1", Name: "grow"})
		part := abs(r, "2026/03/14/c1-grow.wav"+partSuffix)
		if w := readWAV(t, part); w.h.Channels != 2 || w.duration() != 0 {
			t.Fatalf("new file: %+v, want an empty stereo WAV", w.h)
		}
		for step, want := range []time.Duration{400 * time.Millisecond, 800 * time.Millisecond, 1400 * time.Millisecond} {
			feed(tap, uint64(step)*25, 25) // 500 ms a step; whole flushes of 200 ms reach the disk
			clk.tick()
			w := readWAV(t, part)
			if w.duration() != want {
				t.Errorf("step %d: %v on disk, want %v", step, w.duration(), want)
			}
			checkTones(t, "the growing file's left", w.ch[0], true, false)
		}
		if _, err := os.Stat(abs(r, "2026/03/14/c1-grow.wav")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the final name exists while recording: %v", err)
		}
		if res := rec.Stop(""); res.Duration != 1500*time.Millisecond || res.Files[0].Path != "2026/03/14/c1-grow.wav" {
			t.Errorf("result %+v, want 1.5 s in c1-grow.wav", res)
		}
	})
}

func TestUsageCountsGrowth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(dir+"/old.wav", make([]byte, 1000), 0o644); err != nil {
			t.Fatal(err)
		}
		clk := newFakeClock()
		r := newTestRecorder(t, clk, Options{Dir: dir})
		if r.Usage() != 1000 {
			t.Fatalf("Usage %d after New, want the 1000 bytes there", r.Usage())
		}
		rec, _, tap := start(t, r, Spec{CallID: "c1", Name: "u"})
		if r.Active() != 1 {
			t.Errorf("Active %d, want 1", r.Active())
		}
		play(clk, tap, 0, 25)
		res := rec.Stop("")
		if want := 1000 + res.Files[0].Bytes; r.Usage() != want || r.Active() != 0 {
			t.Errorf("Usage %d, Active %d; want %d and 0", r.Usage(), r.Active(), want)
		}
	})
}
