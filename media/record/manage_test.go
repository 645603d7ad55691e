package record

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
)

func TestOpenDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		outside := t.TempDir()
		secret := filepath.Join(outside, "secret.wav")
		if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
			t.Fatal(err)
		}
		clk := newFakeClock()
		r := newTestRecorder(t, clk, Options{})
		if err := os.Symlink(secret, filepath.Join(r.opts.Dir, "link.wav")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(r.opts.Dir, "out")); err != nil {
			t.Fatal(err)
		}
		rec, _, tap := start(t, r, Spec{CallID: "c1", Name: "n"})
		play(clk, tap, 0, 50)
		busy := "2026/03/14/c1-n.wav" + partSuffix
		if err := r.Delete(busy); !errors.Is(err, ErrBusy) {
			t.Errorf("Delete of the file being recorded: %v, want ErrBusy", err)
		}
		res := rec.Stop("")
		usage := r.Usage()

		f, err := r.Open(res.Files[0].Path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if int64(len(b)) != res.Files[0].Bytes {
			t.Errorf("Open read %d bytes, want %d", len(b), res.Files[0].Bytes)
		}

		bad := []struct {
			rel  string
			want error  // errors.Is, or nil
			text string // in the error
		}{
			{"", ErrPath, "empty"},
			{"../x.wav", ErrPath, "not a relative path"},
			{"2026/../../x.wav", ErrPath, "not a relative path"},
			{"/etc/passwd", ErrPath, "not a relative path"},
			{"2026//x.wav", ErrPath, "not a relative path"},
			{`2026\x.wav`, ErrPath, "backslash"},
			{"x\x00.wav", ErrPath, "control character"},
			{"link.wav", nil, "escapes"},
			{"out/secret.wav", nil, "escapes"},
			{"nothing.wav", fs.ErrNotExist, ""},
			{"2026", nil, "not a regular file"},
		}
		for _, tt := range bad {
			_, err := r.Open(tt.rel)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Open(%q) = %v, want %v %q", tt.rel, err, tt.want, tt.text)
			}
		}
		for _, tt := range bad {
			if tt.rel == "link.wav" {
				tt.text = "not a regular file" // Delete never follows a link
			}
			err := r.Delete(tt.rel)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Delete(%q) = %v, want %v %q", tt.rel, err, tt.want, tt.text)
			}
		}
		if _, err := os.Stat(secret); err != nil {
			t.Fatalf("the file outside Dir is gone: %v", err)
		}
		if r.Usage() != usage {
			t.Errorf("failed Deletes changed Usage from %d to %d", usage, r.Usage())
		}
		if err := r.Delete(res.Files[0].Path); err != nil {
			t.Fatal(err)
		}
		if r.Usage() != usage-res.Files[0].Bytes {
			t.Errorf("Usage %d after Delete, want %d", r.Usage(), usage-res.Files[0].Bytes)
		}
		if _, err := r.Open(res.Files[0].Path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open after Delete: %v", err)
		}
	})
}
