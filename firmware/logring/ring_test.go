package logring

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/logbuf"
)

func TestRingTeeAndFile(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(Options{Lines: 3, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	log := slog.New(r.Handler(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log.With("component", "sip").WithGroup("g").Info("one", "k", "a b")
	log.Debug("two")
	log.Warn("three", slog.Group("x", "y", 1))
	log.Error("four")
	lines := r.Lines(Query{Level: slog.LevelDebug})
	if len(lines) != 3 || lines[0].Msg != "two" || lines[2].Msg != "four" || lines[2].Seq != 4 {
		t.Fatalf("lines %+v", lines)
	}
	if got := r.Lines(Query{Level: slog.LevelWarn, Text: "X.Y=1"}); len(got) != 1 || got[0].Msg != "three" {
		t.Errorf("warn and text: %+v", got)
	}
	if !strings.Contains(out.String(), "msg=one") {
		t.Errorf("the next handler did not get the lines: %s", out.String())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2, err := Open(Options{Lines: 10, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	all := r2.Lines(Query{Level: slog.LevelDebug})
	if len(all) != 4 || all[0].Msg != "one" || all[0].Attrs != `component=sip g.k="a b"` || all[3].Seq != 4 {
		t.Errorf("after reopening: %+v", all)
	}
	r2.Add(Line{Msg: "five"})
	if got := r2.Lines(Query{After: 4}); len(got) != 1 || got[0].Seq != 5 {
		t.Errorf("after 4: %+v", got)
	}
}

func TestFileBounded(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(Options{Lines: 10, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 1000)
	for range 5000 {
		r.Add(Line{Msg: long})
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{fileName, fileName + ".1"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > MaxFileBytes/2 || name != fileName && st.Size() < MaxFileBytes/4 {
			t.Errorf("%s: %d bytes", name, st.Size())
		}
	}
	r2, err := Open(Options{Lines: 10, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if got := r2.Lines(Query{}); len(got) != 10 || got[9].Seq != 5000 {
		t.Errorf("after reopening: %d lines, last %+v", len(got), got[len(got)-1].Seq)
	}
}

// TestWrittenWithoutClose: lines reach the file within FlushEvery, and
// many at once are written without waiting for it.
func TestWrittenWithoutClose(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(Options{Lines: 10, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Add(Line{Msg: "one"})
	waitFile(t, dir, func(b []byte) bool { return strings.Contains(string(b), `"msg":"one"`) })
	long := strings.Repeat("y", 1000)
	for range logbuf.Urgent/1000 + 1 {
		r.Add(Line{Msg: long})
	}
	waitFile(t, dir, func(b []byte) bool { return len(b) > logbuf.Urgent })
}

// waitFile waits (up to 10 s, on a busy machine) until the current half's
// contents satisfy ok.
func waitFile(t *testing.T, dir string, ok func([]byte) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, fileName))
		if ok(b) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("file never got there: %d bytes", len(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
