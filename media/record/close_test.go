package record

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestCloseFinishesRecordings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		var mu sync.Mutex
		var finished []Result
		r, err := New(Options{Dir: t.TempDir(), Clock: clk, OnFinish: func(res Result) {
			mu.Lock()
			finished = append(finished, res)
			mu.Unlock()
		}})
		if err != nil {
			t.Fatal(err)
		}
		var recs []*Recording
		var srcs []*fakeStream
		for i, f := range []Format{Mixed, Stereo, Split, In} {
			rec, src, tap := start(t, r, Spec{Format: f, CallID: "c" + f.String(), Name: "n"})
			feed(tap, 0, 10*(i+1))
			recs, srcs = append(recs, rec), append(srcs, src)
		}
		r.Close()
		r.Close() // idempotent
		for i, rec := range recs {
			select {
			case <-rec.Done():
			default:
				t.Fatalf("%s: not done after Close", rec.spec.CallID)
			}
			res := rec.Stop("hangup") // after Close: the result Close left
			if want := time.Duration(10*(i+1)) * frameDur; res.Reason != ReasonStopped || res.Err != nil || res.Duration != want {
				t.Errorf("%s: %+v, want stopped after %v", res.CallID, res, want)
			}
			for _, f := range res.Files {
				readWAV(t, abs(r, f.Path))
			}
			if srcs[i].attached() != 0 {
				t.Errorf("%s: the tap is still attached", res.CallID)
			}
		}
		if len(finished) != len(recs) {
			t.Errorf("OnFinish heard %d results, want %d", len(finished), len(recs))
		}
		if r.Active() != 0 {
			t.Errorf("Active %d after Close", r.Active())
		}
		if _, err := r.Start(&fakeStream{}, Spec{CallID: "c9", Name: "n"}); !errors.Is(err, ErrClosed) {
			t.Errorf("Start after Close: %v, want ErrClosed", err)
		}
		if _, err := r.Open("x.wav"); !errors.Is(err, ErrClosed) {
			t.Errorf("Open after Close: %v, want ErrClosed", err)
		}
		if err := r.Delete("x.wav"); !errors.Is(err, ErrClosed) {
			t.Errorf("Delete after Close: %v, want ErrClosed", err)
		}
	})
}

func TestConcurrentStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		r := newTestRecorder(t, clk, Options{Writers: 3})
		var wg sync.WaitGroup
		for i := range 30 {
			rec, _, tap := start(t, r, Spec{CallID: "c" + strconv.Itoa(i), Name: "n"})
			feed(tap, 0, 5)
			var results [3]Result
			var stops sync.WaitGroup
			for j := range results { // Stop from many goroutines, and Close: one result
				stops.Go(func() { results[j] = rec.Stop("hangup") })
			}
			wg.Go(func() {
				stops.Wait()
				for _, res := range results {
					if res.Reason != results[0].Reason || (res.Reason != "hangup" && res.Reason != ReasonStopped) ||
						res.Duration != 100*time.Millisecond {
						t.Errorf("%+v, want the same hangup (or stopped, if Close came first) after 100 ms", res)
					}
				}
			})
		}
		wg.Go(r.Close)
		wg.Wait()
	})
}

func TestOnFinishPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestRecorder(t, newFakeClock(), Options{OnFinish: func(Result) { panic("boom") }})
		rec, src, _ := start(t, r, Spec{CallID: "c1", Name: "n"})
		rec.Stop("")
		synctest.Wait()
		if src.attached() != 0 {
			t.Error("tap still attached")
		}
		rec2, _, _ := start(t, r, Spec{CallID: "c2", Name: "n"}) // the recorder goes on
		rec2.Stop("")
	})
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{{MaxBytes: -1}, {Writers: -1}, {DrainEvery: -1}, {FlushEvery: -1}} {
		if _, err := New(o); !errors.Is(err, errOptions) {
			t.Errorf("New(%+v) = %v, want bad options", o, err)
		}
	}
}

// syncFile is a file that records whether Sync ran inside Blocking.
type syncFile struct {
	*os.File
	inside  *atomic.Bool // set while Blocking runs its function
	synced  *atomic.Int32
	outside *atomic.Int32
}

func (f syncFile) Sync() error {
	if f.inside.Load() {
		f.synced.Add(1)
	} else {
		f.outside.Add(1)
	}
	return f.File.Sync()
}

// TestSealSyncsInsideBlocking: the fsync that seals each file of a
// recording runs inside Options.Blocking, so the box can lend the runtime
// a processor while the disk works.
func TestSealSyncsInsideBlocking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		dir := t.TempDir()
		var inside atomic.Bool
		var synced, outside, calls atomic.Int32
		r := newTestRecorder(t, clk, Options{Dir: dir,
			Blocking: func(fn func()) {
				calls.Add(1)
				inside.Store(true)
				defer inside.Store(false)
				fn()
			},
			Create: func(rel string) (Output, error) {
				f, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(rel)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return nil, err
				}
				return syncFile{File: f, inside: &inside, synced: &synced, outside: &outside}, nil
			}})
		rec, _, tap := start(t, r, Spec{Format: Split, CallID: "c1", Name: "n"})
		feed(tap, 0, 10)
		res := rec.Stop("hangup")
		if res.Err != nil || len(res.Files) != 2 {
			t.Fatalf("result %+v, want two files", res)
		}
		if synced.Load() != 2 || outside.Load() != 0 || calls.Load() != 2 {
			t.Errorf("%d syncs inside Blocking, %d outside, %d Blocking calls; want 2, 0, 2",
				synced.Load(), outside.Load(), calls.Load())
		}
	})
}
