package record

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// partSuffix ends the name of a file while it is being recorded.
const partSuffix = ".part"

// track is one file of a recording. It is owned by the recording's writer
// goroutine once the recording is registered.
type track struct {
	rel      string // final path relative to Dir, slash-separated
	channels int
	out      Output
	buf      []byte // audio not yet written; its capacity is one flush
	data     int64  // bytes of audio in the file
	hdr      [headerSize]byte
	reserved bool // the header's bytes are accounted
	closed   bool
}

// part returns the path of the file while it is recorded.
func (t *track) part() string { return t.rel + partSuffix }

// align returns the bytes of one sample frame.
func (t *track) align() int64 { return int64(2 * t.channels) }

// open creates the .part file with an empty header. The header's bytes
// must already be reserved.
func (t *track) open(r *Recorder) error {
	out, err := r.create(t.part())
	if err != nil {
		return fmt.Errorf("record: create %s: %w", t.part(), err)
	}
	t.out = out
	putHeader(t.hdr[:], t.channels, 0)
	if _, err := out.WriteAt(t.hdr[:], 0); err != nil {
		return fmt.Errorf("record: write the header of %s: %w", t.part(), err)
	}
	return nil
}

// flush writes the buffered audio and rewrites the header, as far as the
// storage limit and the WAV format allow. The buffer is emptied whatever
// happens: audio that cannot be written is dropped, never retried.
func (t *track) flush(s *storage) error {
	audio := t.buf
	if len(audio) == 0 {
		return nil
	}
	t.buf = t.buf[:0]
	want := min(int64(len(audio)), maxData-t.data)
	want -= want % t.align()
	g := s.reserve(want, t.align())
	w, err := t.out.WriteAt(audio[:g], headerSize+t.data)
	s.release(g - int64(w))
	t.data += int64(w)
	if w > 0 {
		putSizes(t.hdr[:], t.data-t.data%t.align()) // a partial sample is left out
		if _, e := t.out.WriteAt(t.hdr[:], 0); e != nil && err == nil {
			return fmt.Errorf("write the header of %s: %w", t.part(), e)
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", t.part(), err)
	}
	if g < want {
		return ErrFull
	}
	return nil
}

// full reports whether one more frame of audio would overflow the buffer.
func (t *track) full(frameBytes int) bool { return len(t.buf)+frameBytes > cap(t.buf) }

// seal commits and closes the file, whose audio is all written, and
// renames it to its final name. It returns the file's result and the first
// error; a file that cannot be renamed keeps its .part name.
func (t *track) seal(r *Recorder) (File, error) {
	var err error
	if t.out != nil && !t.closed { // a wait on the disk
		r.opts.Blocking(func() { err = t.close() })
	}
	f := File{Path: t.part(), Channels: t.channels, Bytes: headerSize + t.data,
		Duration: time.Duration(t.data) * time.Second / time.Duration(sampleRate*t.align())}
	if t.out == nil {
		return f, err
	}
	if e := r.root.Rename(filepath.FromSlash(t.part()), filepath.FromSlash(t.rel)); e != nil {
		if err == nil {
			err = fmt.Errorf("rename %s: %w", t.part(), e)
		}
		return f, err
	}
	f.Path = t.rel
	return f, err
}

// close commits and closes the file once.
func (t *track) close() error {
	if t.out == nil || t.closed {
		return nil
	}
	t.closed = true
	err := t.out.Sync()
	if e := t.out.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("close %s: %w", t.part(), err)
	}
	return nil
}

// discard closes and removes the file of a recording that never started
// (it holds no audio, only the header) and returns its reservation.
func (t *track) discard(r *Recorder) {
	if !t.reserved {
		return
	}
	if t.out != nil {
		t.closed = true
		_ = t.out.Close()
		if err := r.root.Remove(filepath.FromSlash(t.part())); err != nil {
			r.log.Warn("record: cannot remove the file of a recording that did not start", "file", t.part(), "err", err)
			return
		}
	}
	r.store.release(headerSize)
}

// create makes a new file at rel through the root (or Options.Create).
func (r *Recorder) create(rel string) (Output, error) {
	if r.opts.Create != nil {
		return r.opts.Create(rel)
	}
	return r.root.OpenFile(filepath.FromSlash(rel), os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
}
