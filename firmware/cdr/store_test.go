package cdr

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// openDB opens a real store file in a temporary directory.
func openDB(t *testing.T) (*bbolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ivrbox.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st.DB(), path
}

func rec(n int) Record {
	start := t0.Add(time.Duration(n) * time.Minute)
	return Record{ID: fmt.Sprintf("call-%02d", n), From: "1000", To: "6500", Started: start,
		Answered: start.Add(time.Second), Ended: start.Add(30 * time.Second), Cause: "normal",
		IVRs: []string{"6500"}, Digits: "1"}
}

func ids(rs []Record) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestAddListNewestFirst(t *testing.T) {
	db, _ := openDB(t)
	s, err := New(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(rec(2), rec(0), rec(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(rec(3)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		limit  int
		before time.Time
		want   []string
	}{
		{0, time.Time{}, []string{"call-03", "call-02", "call-01", "call-00"}},
		{2, time.Time{}, []string{"call-03", "call-02"}},
		{0, rec(2).Started, []string{"call-01", "call-00"}},
		{1, rec(2).Started.Add(time.Second), []string{"call-02"}},
		{0, t0, []string{}},
		{0, t0.Add(24 * time.Hour), []string{"call-03", "call-02", "call-01", "call-00"}},
	}
	for _, tt := range tests {
		got, err := s.List(tt.limit, tt.before)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(got), tt.want) {
			t.Errorf("List(%d, %v) = %v, want %v", tt.limit, tt.before, ids(got), tt.want)
		}
	}
	got, _ := s.List(1, time.Time{})
	if !reflect.DeepEqual(got[0], rec(3)) {
		t.Errorf("record read back = %+v, want %+v", got[0], rec(3))
	}
}

func TestKeepsNewestMax(t *testing.T) {
	db, _ := openDB(t)
	s, err := New(db, 3)
	if err != nil {
		t.Fatal(err)
	}
	for n := range 5 {
		if err := s.Add(rec(n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Add(rec(4)); err != nil { // the same call again replaces it
		t.Fatal(err)
	}
	got, _ := s.List(0, time.Time{})
	if want := []string{"call-04", "call-03", "call-02"}; !reflect.DeepEqual(ids(got), want) || s.Len() != 3 {
		t.Errorf("kept %v (Len %d), want %v", ids(got), s.Len(), want)
	}
	if err := s.Add(rec(7), rec(6), rec(5)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.List(0, time.Time{})
	if want := []string{"call-07", "call-06", "call-05"}; !reflect.DeepEqual(ids(got), want) {
		t.Errorf("kept %v, want %v", ids(got), want)
	}
}

func TestPersistsAndClears(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ivrbox.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := New(st.DB(), 0)
	if err := s.Add(rec(0), rec(1)); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	if _, err := s.List(0, time.Time{}); !errors.Is(err, ErrClosed) {
		t.Errorf("List after close = %v, want ErrClosed", err)
	}
	if err := s.Add(rec(2)); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after close = %v, want ErrClosed", err)
	}

	st, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err = New(st.DB(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Errorf("Len after reopen = %d, want 2", s.Len())
	}
	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.List(0, time.Time{}); len(got) != 0 || s.Len() != 0 {
		t.Errorf("after Clear: %v, Len %d", ids(got), s.Len())
	}
	if err := s.Add(rec(3)); err != nil || s.Len() != 1 {
		t.Errorf("Add after Clear: %v, Len %d", err, s.Len())
	}
}

func TestRecordJSON(t *testing.T) {
	unanswered := Record{ID: "b", From: "1001", To: "6501", Started: t0, Ended: t0.Add(1250 * time.Millisecond), Cause: "cancel"}
	data, err := json.MarshalIndent([]Record{rec(1), unanswered}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "records.json")
	if *update {
		if err := os.WriteFile(golden, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(data, '\n'), want) {
		t.Errorf("JSON =\n%s\nwant (%s)\n%s", data, golden, want)
	}
	var back []Record
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back[0], rec(1)) || back[1].Duration() != 1250*time.Millisecond {
		t.Errorf("round trip = %+v", back)
	}
}
