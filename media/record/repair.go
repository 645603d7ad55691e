package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// maxHeaderRead is how much of a file Repair reads to find the data chunk.
const maxHeaderRead = 4096

// Repair finds the .part files under dir that a crash or power cut left
// unfinished, sets their WAV header's sizes to the audio actually on disk
// (trimming a trailing partial sample), and renames each to its final name
// (x.wav.part to x.wav; x-1.wav and so on when that name is taken). It
// returns the new paths, relative to dir and slash-separated, and the
// errors of the files it could not repair, which it leaves as they are. It
// never deletes audio, and never follows a symbolic link. It must not run
// on a folder a Recorder is recording into; New runs it before recording.
func Repair(dir string) ([]string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("record: repair: %w", err)
	}
	defer root.Close()
	repaired, _, err := scan(root)
	return repaired, err
}

// scan repairs every .part file under root and returns their new paths and
// the bytes of all the regular files under root.
func scan(root *os.Root) (repaired []string, used int64, err error) {
	var errs []error
	walkErr := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if strings.HasSuffix(p, partSuffix) {
			if fixed, err := repairFile(root, p); err != nil {
				errs = append(errs, fmt.Errorf("record: repair %s: %w", p, err))
			} else {
				repaired = append(repaired, fixed)
				p = fixed
			}
		}
		if fi, err := root.Lstat(filepath.FromSlash(p)); err == nil {
			used += fi.Size()
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, walkErr)
	}
	return repaired, used, errors.Join(errs...)
}

// repairFile fixes the header of the .part file at p and renames it; it
// returns the new path.
func repairFile(root *os.Root, p string) (string, error) {
	f, err := root.OpenFile(filepath.FromSlash(p), os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	if err := fixHeader(f); err != nil {
		_ = f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	to, err := freeName(root, finalName(p))
	if err != nil {
		return "", err
	}
	if err := root.Rename(filepath.FromSlash(p), filepath.FromSlash(to)); err != nil {
		return "", err
	}
	return to, nil
}

// fixHeader sets the RIFF and data sizes of the WAV file f to the whole
// samples after its header, trimming a trailing partial sample, and syncs.
func fixHeader(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, min(fi.Size(), maxHeaderRead))
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	h, err := parseHeader(head)
	if err != nil {
		return fmt.Errorf("%w; left as it is", err)
	}
	data := max(fi.Size()-h.DataOff, 0)
	whole := data - data%int64(h.Align)
	if whole < data {
		if err := f.Truncate(h.DataOff + whole); err != nil {
			return err
		}
	}
	size := min(whole, maxData) // a longer file keeps its audio, described as far as WAV can
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(h.DataOff-8+size))
	if _, err := f.WriteAt(b[:], 4); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(b[:], uint32(size))
	if _, err := f.WriteAt(b[:], h.DataOff-4); err != nil {
		return err
	}
	return f.Sync()
}

// finalName returns the name a .part file gets: without .part, ending .wav.
func finalName(p string) string {
	p = strings.TrimSuffix(p, partSuffix)
	if !strings.HasSuffix(p, ".wav") {
		p += ".wav"
	}
	return p
}

// freeName returns p, or p with -1, -2... before .wav, whichever is the
// first name not taken under root.
func freeName(root *os.Root, p string) (string, error) {
	base := strings.TrimSuffix(p, ".wav")
	for i := range 1000 {
		name := p
		if i > 0 {
			name = base + "-" + strconv.Itoa(i) + ".wav"
		}
		if _, err := root.Lstat(filepath.FromSlash(name)); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("no free name for %s in %s", path.Base(p), path.Dir(p))
}
