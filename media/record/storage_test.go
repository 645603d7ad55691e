package record

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func TestStorageLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		const limit = 2*headerSize + 10000 // room for about 300 ms of each of two mono files
		var finished []Result
		r := newTestRecorder(t, clk, Options{MaxBytes: limit, Writers: 2, FlushEvery: 200 * time.Millisecond,
			OnFinish: func(res Result) { finished = append(finished, res) }})
		rec1, src1, tap1 := start(t, r, Spec{CallID: "c1", Name: "a"})
		rec2, src2, tap2 := start(t, r, Spec{CallID: "c2", Name: "b"})
		feed(tap1, 0, 25)
		feed(tap2, 0, 25)
		clk.tick() // the limit is reached: both stop, whichever wrote last
		for _, rec := range []*Recording{rec1, rec2} {
			select {
			case <-rec.Done():
			default:
				t.Fatalf("%s still recording at the limit", rec.spec.CallID)
			}
			res := rec.Result()
			if res.Reason != ReasonStorageFull || (res.Err != nil && !errors.Is(res.Err, ErrFull)) {
				t.Errorf("%s: reason %q, want storage-full", res.CallID, res.Reason)
			}
			w := readWAV(t, abs(r, res.Files[0].Path)) // finalised, playable
			checkTones(t, res.Files[0].Path, w.ch[0], true, true)
		}
		if u := r.Usage(); u > limit {
			t.Errorf("Usage %d, over the limit %d", u, limit)
		}
		if len(finished) != 2 {
			t.Errorf("OnFinish heard %d results, want 2", len(finished))
		}
		// The calls are untouched: their taps were only detached, and still take frames.
		for _, s := range []*fakeStream{src1, src2} {
			if added, removed := s.counts(); added != 1 || removed != 1 || s.attached() != 0 {
				t.Errorf("AddSink %d, RemoveSink %d times; want 1 each", added, removed)
			}
		}
		feed(tap1, 25, 100)
		if _, err := r.Start(&fakeStream{}, Spec{CallID: "c3", Name: "c"}); !errors.Is(err, ErrFull) {
			t.Fatalf("Start at the limit: %v, want ErrFull", err)
		}
		if err := r.Delete(rec1.Result().Files[0].Path); err != nil {
			t.Fatal(err)
		}
		rec3, _, _ := start(t, r, Spec{CallID: "c3", Name: "c"}) // space was freed
		if res := rec3.Stop(""); res.Reason != ReasonStopped || res.Err != nil {
			t.Errorf("after Delete: %+v", res)
		}
	})
}

func TestStorageFullAtNew(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "big.wav"), make([]byte, 5000), 0o644); err != nil {
			t.Fatal(err)
		}
		r := newTestRecorder(t, newFakeClock(), Options{Dir: dir, MaxBytes: 5000})
		if _, err := r.Start(&fakeStream{}, Spec{CallID: "c1", Name: "a"}); !errors.Is(err, ErrFull) {
			t.Fatalf("Start: %v, want ErrFull", err)
		}
		if err := r.Delete("big.wav"); err != nil {
			t.Fatal(err)
		}
		if r.Usage() != 0 {
			t.Errorf("Usage %d after Delete, want 0", r.Usage())
		}
		start(t, r, Spec{CallID: "c1", Name: "a"})
	})
}

// failingFile is a real file whose audio writes fail with err once after
// bytes of audio were written.
type failingFile struct {
	*os.File
	after int64
	err   error
}

func (f *failingFile) WriteAt(p []byte, off int64) (int, error) {
	if off < headerSize { // the header is rewritten in place: it always works
		return f.File.WriteAt(p, off)
	}
	room := max(f.after-(off-headerSize), 0)
	if int64(len(p)) <= room {
		return f.File.WriteAt(p, off)
	}
	n, _ := f.File.WriteAt(p[:room], off)
	return n, &os.PathError{Op: "write", Path: f.Name(), Err: f.err}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		err    error
		reason string
	}{
		{syscall.ENOSPC, ReasonDiskFull},
		{syscall.EIO, ReasonErrorPrefix + "write 2026/03/14/c1-a.wav.part: write "},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clk := newFakeClock()
				dir := t.TempDir()
				r := newTestRecorder(t, clk, Options{Dir: dir, FlushEvery: 200 * time.Millisecond,
					Create: func(rel string) (Output, error) {
						f, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(rel)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
						if err != nil {
							return nil, err
						}
						return &failingFile{File: f, after: 4800, err: tt.err}, nil
					}})
				rec, src, tap := start(t, r, Spec{CallID: "c1", Name: "a"})
				other, _, otherTap := start(t, r, Spec{CallID: "c2", Name: "b"})
				play(clk, tap, 0, 50)
				feed(otherTap, 0, 10)
				<-rec.Done()
				res := rec.Result()
				if !strings.HasPrefix(res.Reason, tt.reason) || !errors.Is(res.Err, tt.err) {
					t.Errorf("reason %q, error %v; want %q..., %v", res.Reason, res.Err, tt.reason, tt.err)
				}
				w := readWAV(t, abs(r, res.Files[0].Path)) // the audio that reached the disk, playable
				if res.Files[0].Path != "2026/03/14/c1-a.wav" || w.duration() != 300*time.Millisecond {
					t.Errorf("file %s with %v, want c1-a.wav with the 300 ms written", res.Files[0].Path, w.duration())
				}
				if src.attached() != 0 {
					t.Error("the failed recording's tap is still attached")
				}
				if other.isDone() {
					t.Error("the other recording stopped too")
				}
			})
		})
	}
}
