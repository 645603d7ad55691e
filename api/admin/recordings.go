package admin

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ivrbox/ivrbox/media/record"
)

// maxRecordingPath is the longest recording path accepted, in bytes.
const maxRecordingPath = 1024

// mediaCSP is the Content-Security-Policy of audio answers: a browser that
// opens one as a page may play it, and nothing else.
const mediaCSP = "default-src 'none'; media-src 'self'; frame-ancestors 'none'"

// recordingsJSON answers GET recordings.
type recordingsJSON struct {
	UsedBytes  int64 `json:"used_bytes"`  // the files in the recordings folder
	LimitBytes int64 `json:"limit_bytes"` // system.recording.max_mb in bytes; 0: no limit but the disk
	Active     int   `json:"active"`      // recordings in progress
}

// recordings returns the recordings, or 501 on a box without them.
func (a *API) recordings() (Recordings, error) {
	if a.opt.Recordings == nil {
		return nil, httpErr(http.StatusNotImplemented, "this box does not record calls")
	}
	return a.opt.Recordings, nil
}

func (a *API) getRecordings(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.recordings()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recordingsJSON{UsedBytes: rec.Usage(),
		LimitBytes: a.opt.Store.Config().System.Recording.Bytes(), Active: rec.Active()})
	return nil
}

// getRecordingFile answers a recording's WAV file, with Range support (a
// browser's <audio> seeks with it); ?download=1 makes it an attachment.
func (a *API) getRecordingFile(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.recordings()
	if err != nil {
		return err
	}
	download, err := boolParam(r, "download")
	if err != nil {
		return err
	}
	rel := r.PathValue("path")
	if err := checkRecordingPath(rel); err != nil {
		return err
	}
	f, err := rec.Open(rel)
	if err != nil {
		return a.recordingError(err, rel)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "audio/wav")
	h.Set("Content-Security-Policy", mediaCSP)
	if download {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(rel)}))
	}
	http.ServeContent(w, r, path.Base(rel), fi.ModTime(), f)
	return nil
}

// deleteRecordingFile removes a recording's file.
func (a *API) deleteRecordingFile(w http.ResponseWriter, r *http.Request) error {
	rec, err := a.recordings()
	if err != nil {
		return err
	}
	rel := r.PathValue("path")
	if err := checkRecordingPath(rel); err != nil {
		return err
	}
	if err := rec.Delete(rel); err != nil {
		return a.recordingError(err, rel)
	}
	a.log.Info("admin: recording deleted", "file", rel, "addr", clientAddr(r))
	return noContent(w)
}

// recordingError maps an error of Open or Delete: 400 for a path the
// recorder refuses, 409 for a file being recorded, 503 while the box
// shuts down, 404 for a missing file and for anything that is not a
// regular file inside the recordings folder (a folder, a link leading
// out), which is logged.
func (a *API) recordingError(err error, rel string) error {
	switch {
	case errors.Is(err, record.ErrPath):
		return &HTTPError{Code: http.StatusBadRequest, Msg: "recording path refused: " + err.Error(), Err: err}
	case errors.Is(err, record.ErrBusy):
		return &HTTPError{Code: http.StatusConflict, Err: err,
			Msg: "the file is being recorded: stop its recording first"}
	case errors.Is(err, record.ErrClosed):
		return &HTTPError{Code: http.StatusServiceUnavailable, Msg: "the box is restarting", Err: err}
	case !errors.Is(err, fs.ErrNotExist):
		a.log.Warn("admin: recording file refused", "file", short(rel), "err", err)
	}
	return &HTTPError{Code: http.StatusNotFound, Msg: "no recording " + quote(rel) + " (deleted?)", Err: err}
}

// checkRecordingPath refuses a path that cannot name a file inside the
// recordings folder: empty, too long, not UTF-8, with a control character
// or a backslash, absolute, or with an empty, "." or ".." element. The
// answer is 400.
func checkRecordingPath(p string) error {
	bad := func(why string) error {
		return httpErr(http.StatusBadRequest, "recording path %s refused: %s", quote(p), why)
	}
	switch {
	case p == "":
		return bad("it is empty")
	case len(p) > maxRecordingPath:
		return bad("longer than 1024 bytes")
	case !utf8.ValidString(p):
		return bad("not valid UTF-8")
	case strings.ContainsFunc(p, unicode.IsControl):
		return bad("it contains a control character")
	case strings.Contains(p, `\`):
		return bad("it contains a backslash")
	case !fs.ValidPath(p):
		return bad("not a relative path inside the recordings folder (no leading /, no . or .. or empty parts)")
	}
	return nil
}

// quote quotes s for a message, cut to 80 bytes.
func quote(s string) string { return strconv.Quote(short(s)) }

// short cuts s to 80 bytes for messages and logs.
func short(s string) string {
	if len(s) <= 80 {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:80], "?") + "…"
}
