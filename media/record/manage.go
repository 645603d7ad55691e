package record

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// checkRel reports whether rel can name a file inside Dir.
func checkRel(rel string) error {
	switch {
	case rel == "" || rel == ".":
		return fmt.Errorf("%w: empty", ErrPath)
	case strings.ContainsRune(rel, '\\'), strings.IndexFunc(rel, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: %q holds a backslash or a control character", ErrPath, short(rel))
	case !fs.ValidPath(rel):
		return fmt.Errorf("%w: %q is not a relative path inside the recordings folder", ErrPath, short(rel))
	}
	return nil
}

// Open opens the file at rel (relative to Dir, slash-separated) for
// reading, such as a Result's File.Path. A path that leaves Dir, by ".."
// or a symbolic link, fails, and so does anything but a regular file.
func (r *Recorder) Open(rel string) (*os.File, error) {
	if err := checkRel(rel); err != nil {
		return nil, err
	}
	if r.isClosed() {
		return nil, ErrClosed
	}
	f, err := r.root.Open(filepath.FromSlash(rel))
	if err != nil {
		return nil, fmt.Errorf("record: open %q: %w", short(rel), err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		if err == nil {
			err = errNotFile
		}
		return nil, fmt.Errorf("record: open %q: %w", short(rel), err)
	}
	return f, nil
}

// Delete removes the file at rel (relative to Dir, slash-separated) and
// accounts the space freed; once the usage is under Options.MaxBytes,
// Start works again. It refuses a file being recorded (ErrBusy), a path
// that leaves Dir, and anything but a regular file: a symbolic link is
// refused, not followed.
func (r *Recorder) Delete(rel string) error {
	if err := checkRel(rel); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if _, ok := r.busy[rel]; ok {
		return fmt.Errorf("%w: %s", ErrBusy, short(rel))
	}
	name := filepath.FromSlash(rel)
	fi, err := r.root.Lstat(name)
	if err == nil && !fi.Mode().IsRegular() {
		err = errNotFile
	}
	if err == nil {
		err = r.root.Remove(name)
	}
	if err != nil {
		return fmt.Errorf("record: delete %q: %w", short(rel), err)
	}
	r.store.freed(fi.Size())
	return nil
}

// isClosed reports whether Close has begun.
func (r *Recorder) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}
