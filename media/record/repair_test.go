package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// partFile returns a WAV file as a crash leaves it: a header that says
// stale bytes of audio, followed by data bytes (a ramp of samples).
func partFile(channels int, stale, data int) []byte {
	b := make([]byte, headerSize+data)
	putHeader(b, channels, int64(stale))
	for i := headerSize; i < len(b); i++ {
		b[i] = byte(i)
	}
	return b
}

// writeFile writes b at rel under dir, making its folders.
func writeFile(t *testing.T, dir, rel string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRepair(t *testing.T) {
	tests := []struct {
		name     string
		rel      string
		file     []byte
		taken    bool   // the final name exists already
		want     string // the repaired path; "" = left alone
		wantData int    // audio bytes after the repair
	}{
		{"stale zero sizes", "2026/01/02/c1-a.wav.part", partFile(1, 0, 16000), false, "2026/01/02/c1-a.wav", 16000},
		{"truncated, sizes too big", "c2-b.wav.part", partFile(1, 1<<20, 500), false, "c2-b.wav", 500},
		{"partial mono sample", "c3-c.wav.part", partFile(1, 0, 1001), false, "c3-c.wav", 1000},
		{"partial stereo sample", "c4-d.wav.part", partFile(2, 64, 1003), false, "c4-d.wav", 1000},
		{"header only", "c5-e.wav.part", partFile(2, 3200, 0), false, "c5-e.wav", 0},
		{"name taken", "c6-f.wav.part", partFile(1, 0, 320), true, "c6-f-1.wav", 320},
		{"no .wav", "c7.part", partFile(1, 0, 320), false, "c7.wav", 320},
		{"empty file", "c8.wav.part", nil, false, "", 0},
		{"cut in the header", "c9.wav.part", partFile(1, 0, 100)[:30], false, "", 0},
		{"not a WAV", "c10.wav.part", []byte("RIFF\x00\x00\x00\x00AVI LIST"), false, "", 0},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		writeFile(t, dir, tt.rel, tt.file)
		if tt.taken {
			writeFile(t, dir, finalName(tt.rel), []byte("older"))
		}
	}
	writeFile(t, dir, "done.wav", partFile(1, 320, 320)) // a finished file is not touched
	repaired, err := Repair(dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == "" {
				got, e := os.ReadFile(filepath.Join(dir, tt.rel))
				if e != nil || !bytes.Equal(got, tt.file) {
					t.Errorf("the file was changed: %v", e)
				}
				if err == nil || !strings.Contains(err.Error(), tt.rel) {
					t.Errorf("Repair error %v does not name %s", err, tt.rel)
				}
				return
			}
			if !slices.Contains(repaired, tt.want) {
				t.Errorf("Repair returned %q, want it to hold %s", repaired, tt.want)
			}
			w := readWAV(t, filepath.Join(dir, filepath.FromSlash(tt.want)))
			if w.size-headerSize != int64(tt.wantData) {
				t.Errorf("%d bytes of audio, want %d", w.size-headerSize, tt.wantData)
			}
			got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tt.want)))
			if !bytes.Equal(got[headerSize:], tt.file[headerSize:headerSize+tt.wantData]) {
				t.Error("the audio changed")
			}
			if _, e := os.Stat(filepath.Join(dir, tt.rel)); !errors.Is(e, fs.ErrNotExist) {
				t.Errorf("the .part file is still there: %v", e)
			}
		})
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "c6-f.wav")); string(got) != "older" {
		t.Error("the file that had the name was overwritten")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "done.wav")); binary.LittleEndian.Uint32(got[40:]) != 320 {
		t.Error("a finished file was touched")
	}
	if again, err := Repair(dir); len(again) != 0 || err == nil {
		t.Errorf("second Repair: %q, %v; want nothing repaired and the same errors", again, err)
	}
}

func TestRepairSkipsLinks(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	writeFile(t, outside, "x.wav.part", partFile(1, 0, 321))
	if err := os.Symlink(filepath.Join(outside, "x.wav.part"), filepath.Join(dir, "x.wav.part")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	if repaired, err := Repair(dir); len(repaired) != 0 || err != nil {
		t.Errorf("Repair = %q, %v; want nothing", repaired, err)
	}
	if fi, err := os.Stat(filepath.Join(outside, "x.wav.part")); err != nil || fi.Size() != headerSize+321 {
		t.Errorf("the file outside was touched: %v", err)
	}
	if _, err := Repair(filepath.Join(dir, "missing")); err == nil {
		t.Error("Repair of a missing folder: no error")
	}
}

func TestNewRepairs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "2026/03/13/c1-a.wav.part", partFile(2, 0, 6403))
		r := newTestRecorder(t, newFakeClock(), Options{Dir: dir})
		w := readWAV(t, filepath.Join(dir, "2026/03/13/c1-a.wav"))
		if w.size != headerSize+6400 || r.Usage() != w.size {
			t.Errorf("repaired file of %d bytes, Usage %d; want %d both", w.size, r.Usage(), headerSize+6400)
		}
	})
}

func TestRepairAfterCrash(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		dir := t.TempDir()
		r := newTestRecorder(t, clk, Options{Dir: dir, FlushEvery: 200 * time.Millisecond})
		_, _, tap := start(t, r, Spec{Format: Stereo, CallID: "c1", Name: "crash"})
		play(clk, tap, 0, 25) // 400 ms reach the disk; the rest is in memory when the power goes
		part := filepath.Join(dir, "2026/03/14/c1-crash.wav.part")
		crashed, err := os.ReadFile(part)
		if err != nil {
			t.Fatal(err)
		}
		// What the disk holds at the crash, and a torn write after it.
		copyDir := t.TempDir()
		writeFile(t, copyDir, "2026/03/14/c1-crash.wav.part", append(crashed, 1, 2, 3))
		repaired, err := Repair(copyDir)
		if err != nil || len(repaired) != 1 {
			t.Fatalf("Repair = %q, %v", repaired, err)
		}
		w := readWAV(t, filepath.Join(copyDir, filepath.FromSlash(repaired[0])))
		if w.duration() != 400*time.Millisecond {
			t.Errorf("%v repaired, want the 400 ms on disk", w.duration())
		}
		checkTones(t, "repaired left", w.ch[0], true, false)
		checkTones(t, "repaired right", w.ch[1], false, true)
	})
}
