package record

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestBadSpecs(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string // in the error
	}{
		{"dot dot", Spec{CallID: "c1", Name: "../../etc/x"}, `name "../../etc/x" holds ".."`},
		{"dot dot inside", Spec{CallID: "a..b", Name: "n"}, `call id "a..b" holds ".."`},
		{"slash", Spec{CallID: "c1", Name: "a/b"}, "holds a slash"},
		{"backslash", Spec{CallID: `a\b`, Name: "n"}, "holds a slash"},
		{"NUL", Spec{CallID: "c1", Name: "a\x00b"}, "control character"},
		{"newline", Spec{CallID: "c1\n", Name: "n"}, "control character"},
		{"DEL", Spec{CallID: "c1", Name: "a\x7f"}, "control character"},
		{"C1 control", Spec{CallID: "c1", Name: "a\u0085"}, "control character"},
		{"not UTF-8", Spec{CallID: "c1", Name: "a\xffb"}, "not UTF-8"},
		{"hidden", Spec{CallID: ".c1", Name: "n"}, "starts with a dot"},
		{"empty call id", Spec{Name: "n"}, "empty call id"},
		{"empty name", Spec{CallID: "c1"}, "empty name"},
		{"long call id", Spec{CallID: strings.Repeat("x", 121), Name: "n"}, "call id of 121 bytes"},
		{"long name", Spec{CallID: "c1", Name: strings.Repeat("x", 101)}, "name of 101 bytes"},
		{"format", Spec{Format: 9, CallID: "c1", Name: "n"}, "unknown format 9"},
		{"max duration", Spec{CallID: "c1", Name: "n", MaxDuration: -time.Second}, "negative duration"},
		{"silence", Spec{CallID: "c1", Name: "n", SilenceStop: -1}, "negative duration"},
		{"level", Spec{CallID: "c1", Name: "n", SilenceLevel: 40000}, "silence level"},
	}
	synctest.Test(t, func(t *testing.T) {
		r := newTestRecorder(t, newFakeClock(), Options{})
		for _, tt := range tests {
			src := &fakeStream{}
			_, err := r.Start(src, tt.spec)
			if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: Start = %v, want ErrSpec with %q", tt.name, err, tt.want)
			}
			if added, _ := src.counts(); added != 0 {
				t.Errorf("%s: the tap was attached", tt.name)
			}
		}
		if _, err := r.Start(nil, Spec{CallID: "c1", Name: "n"}); !errors.Is(err, ErrSpec) {
			t.Errorf("Start(nil) = %v, want ErrSpec", err)
		}
		if entries, _ := os.ReadDir(r.opts.Dir); len(entries) != 0 {
			t.Errorf("bad specs left %d entries in Dir", len(entries))
		}
	})
}

func TestGoodNames(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestRecorder(t, newFakeClock(), Options{})
		for _, spec := range []Spec{
			{CallID: "a84b4c76e66710@pc33.example.com", Name: "voicemail 1"},
			{CallID: "1700000000.42", Name: "grüße"},
			{CallID: strings.Repeat("x", 120), Name: strings.Repeat("y", 100), Format: Split},
		} {
			rec, _, _ := start(t, r, spec)
			if res := rec.Stop(""); res.Err != nil {
				t.Errorf("%+v: %v", spec, res.Err)
			}
		}
	})
}

func TestExists(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestRecorder(t, newFakeClock(), Options{})
		spec := Spec{CallID: "c1", Name: "n"}
		rec, _, _ := start(t, r, spec)
		if _, err := r.Start(&fakeStream{}, spec); !errors.Is(err, ErrExists) {
			t.Errorf("second Start while recording: %v, want ErrExists", err)
		}
		rec.Stop("")
		if _, err := r.Start(&fakeStream{}, spec); !errors.Is(err, ErrExists) {
			t.Errorf("Start over a finished recording: %v, want ErrExists", err)
		}
		if _, err := r.Start(&fakeStream{}, Spec{CallID: "c1", Name: "n", Format: Split}); err != nil {
			t.Errorf("a split recording of other names: %v", err)
		}
	})
}

func TestAttachFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTestRecorder(t, newFakeClock(), Options{})
		errGone := errors.New("stream closed")
		_, err := r.Start(&fakeStream{addErr: errGone}, Spec{CallID: "c1", Name: "n", Format: Split})
		if !errors.Is(err, errGone) {
			t.Fatalf("Start = %v, want the stream's error", err)
		}
		if r.Usage() != 0 || r.Active() != 0 {
			t.Errorf("Usage %d, Active %d after a failed Start; want 0, 0", r.Usage(), r.Active())
		}
		if _, err := os.Stat(abs(r, "2026/03/14/c1-n-in.wav"+partSuffix)); err == nil {
			t.Error("a failed Start left its file")
		}
		start(t, r, Spec{CallID: "c1", Name: "n", Format: Split}) // the names are free again
	})
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{Mixed, Stereo, Split, In} {
		if got, err := ParseFormat(f.String()); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	if got, err := ParseFormat(""); err != nil || got != Mixed {
		t.Errorf(`ParseFormat("") = %v, %v; want Mixed`, got, err)
	}
	if _, err := ParseFormat("surround"); !errors.Is(err, ErrSpec) {
		t.Errorf("ParseFormat(surround) = %v, want ErrSpec", err)
	}
}
