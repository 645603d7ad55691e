package logring

import (
	"log/slog"
	"strings"
	"testing"
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
	defer r.Close()
	long := strings.Repeat("x", 1000)
	for range 5000 {
		r.Add(Line{Msg: long})
	}
	if r.size > MaxFileBytes/2 {
		t.Errorf("current half %d bytes", r.size)
	}
}
