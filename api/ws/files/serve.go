package files

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
)

// ServeHTTP answers GET and HEAD of LinkPrefix + token (mount the Store at
// LinkPrefix): the file, with Content-Type by its extension, Content-
// Disposition attachment and its name, and Range requests honoured. A
// malformed token or a bad signature gets 403, an expired link 410 (by
// Options.Now), a file gone 404, any other method 405. Only files of the
// storages, the sessions' temp folders and the Recordings are ever served.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	tok := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	t, exp, err := s.verify(tok)
	if err != nil {
		http.Error(w, "bad link", http.StatusForbidden)
		return
	}
	if !s.opt.Now().Before(exp) {
		http.Error(w, "the link has expired", http.StatusGone)
		return
	}
	f, fi, err := s.open(t)
	if err != nil {
		s.serveError(w, t, err)
		return
	}
	defer f.Close()
	name := path.Base(t.b)
	h := w.Header()
	h.Set("Content-Type", contentType(name))
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if cd == "" {
		cd = "attachment"
	}
	h.Set("Content-Disposition", cd)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

// serveError answers a file that could not be opened.
func (s *Store) serveError(w http.ResponseWriter, t target, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNotFound) || isEscape(err):
		http.Error(w, "the file is gone", http.StatusNotFound)
	default:
		s.log.Warn("files: serving a link", "file", short(t.b), "err", err)
		http.Error(w, "the file cannot be read", http.StatusInternalServerError)
	}
}

// open opens the file of a link's target.
func (s *Store) open(t target) (*os.File, fs.FileInfo, error) {
	switch t.kind {
	case kindStatic:
		root, err := s.storageRoot(t.a, false)
		if err != nil {
			return nil, nil, err
		}
		defer root.Close() // files opened from a Root outlive it
		return openFile(root, t.b)
	case kindTemp:
		root, err := s.sessionRoot(t.a, false)
		if err != nil {
			return nil, nil, err
		}
		defer root.Close()
		return openFile(root, t.b)
	}
	return s.openRecording(t.c)
}

// openRecording opens a recording through the Recordings.
func (s *Store) openRecording(rel string) (*os.File, fs.FileInfo, error) {
	if s.opt.Recordings == nil {
		return nil, nil, fmt.Errorf("%w: no recorder", ErrNotFound)
	}
	f, err := s.opt.Recordings.Open(rel)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return statRegular(f)
}
