package logbuf

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// sink is an underlying writer that records its writes.
type sink struct {
	mu     sync.Mutex
	writes []string
	block  chan struct{} // when set, writes wait for it to close
}

func (s *sink) Write(p []byte) (int, error) {
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, string(p))
	return len(p), nil
}

func (s *sink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writes...)
}

// TestBatchesAfterDelay: a write after a quiet spell goes out at once;
// writes soon after it wait, together, until delay after that batch.
func TestBatchesAfterDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		w := New(&s, 100*time.Millisecond)
		defer w.Close()
		w.Write([]byte("zero\n"))
		synctest.Wait()
		if got := s.all(); len(got) != 1 || got[0] != "zero\n" {
			t.Fatalf("a quiet log's line is not written at once: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
		w.Write([]byte("one\n"))
		w.Write([]byte("two\n"))
		time.Sleep(89 * time.Millisecond)
		synctest.Wait()
		if got := s.all(); len(got) != 1 {
			t.Fatalf("written before the delay: %q", got)
		}
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		if got := s.all(); len(got) != 2 || got[1] != "one\ntwo\n" {
			t.Fatalf("after the delay: %q", got)
		}
		time.Sleep(101 * time.Millisecond)
		w.Write([]byte("three\n"))
		synctest.Wait()
		if got := s.all(); len(got) != 3 || got[2] != "three\n" {
			t.Fatalf("after a quiet spell: %q", got)
		}
	})
}

// TestUrgentAndClose: Urgent bytes go out at once; Close writes the rest,
// is idempotent, and later writes go straight through.
func TestUrgentAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		w := New(&s, time.Hour)
		defer w.Close()
		big := strings.Repeat("x", Urgent-1) + "\n"
		w.Write([]byte(big))
		synctest.Wait()
		if got := s.all(); len(got) != 1 || got[0] != big {
			t.Fatalf("urgent batch: %d writes", len(got))
		}
		w.Write([]byte("tail\n"))
		w.Close()
		w.Close()
		w.Write([]byte("late\n"))
		if got := s.all(); len(got) != 3 || got[1] != "tail\n" || got[2] != "late\n" {
			t.Fatalf("after close: %q", got[1:])
		}
	})
}

// TestStuckOutputDrops: while the underlying writer is stuck, writes do not
// wait, at most MaxPending bytes are kept, and the drop is reported.
func TestStuckOutputDrops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sink{block: make(chan struct{})}
		w := New(&s, time.Millisecond)
		defer w.Close()
		line := []byte(strings.Repeat("y", 1023) + "\n")
		for range 3 * MaxPending / len(line) {
			if n, err := w.Write(line); n != len(line) || err != nil {
				t.Fatalf("write: %d %v", n, err)
			}
		}
		close(s.block)
		w.Close()
		var out bytes.Buffer
		for _, x := range s.all() {
			out.WriteString(x)
		}
		if out.Len() > 2*MaxPending+200 || !strings.Contains(out.String(), "bytes of log dropped") {
			t.Fatalf("%d bytes out, drop reported: %v", out.Len(), strings.Contains(out.String(), "dropped"))
		}
	})
}
