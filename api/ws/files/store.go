package files

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Store keeps the files of the ivrapi: the static storages, the sessions'
// temp folders and recordings, and the download links. Its methods are
// safe for concurrent use.
type Store struct {
	opt    Options
	log    *slog.Logger
	client *http.Client
	ctx    context.Context // ends with Close: fetches in flight stop
	cancel context.CancelFunc

	mu       sync.Mutex
	sessions map[string]*session   // live sessions by name
	holds    map[fileKey]time.Time // the latest expiry of the links to each :TEMP file
	orphans  map[fileKey]string    // files of ended sessions kept for a link: "" for a temp file, the recorder's rel for a recording
	timer    *time.Timer           // sweeps the orphans at the earliest hold; counted in wg while pending
	closed   bool
	wg       sync.WaitGroup // fetches and the pending sweep

	closeOnce sync.Once
	closeErr  error
}

// fileKey names a :TEMP file of a session (rel inside :TEMP).
type fileKey struct{ session, rel string }

// session is one controlled IVR session (an ivrid).
type session struct {
	recs map[string]string // recording name → the recorder's rel; guarded by Store.mu

	wmu   sync.Mutex // held while the session's folder is written
	ended bool       // guarded by wmu
}

// New makes a Store: it creates PromptDir and TempDir if missing and
// empties TempDir.
func New(opts Options) (*Store, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.PromptDir, 0o755); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if err := os.MkdirAll(o.TempDir, 0o700); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if err := clearDir(o.TempDir); err != nil {
		return nil, fmt.Errorf("files: emptying the temp folder: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Store{opt: o, log: o.Log, ctx: ctx, cancel: cancel,
		client:   newClient(o.Transport, o.MaxRedirects),
		sessions: map[string]*session{}, holds: map[fileKey]time.Time{}, orphans: map[fileKey]string{}}, nil
}

// Close stops the sweep timer and the fetches in flight, waits for them,
// deletes every session's recordings (so it should come before the
// recorder's Close) and empties TempDir. It is idempotent and returns the
// same error every time.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.stopTimerLocked()
		s.cancel()
		var recs []string
		for _, sess := range s.sessions {
			for _, rel := range sess.recs {
				recs = append(recs, rel)
			}
		}
		for _, rel := range s.orphans {
			if rel != "" {
				recs = append(recs, rel)
			}
		}
		s.sessions, s.orphans, s.holds = map[string]*session{}, map[fileKey]string{}, map[fileKey]time.Time{}
		s.mu.Unlock()
		s.wg.Wait()
		s.deleteRecordings(recs)
		s.closeErr = clearDir(s.opt.TempDir)
		s.client.CloseIdleConnections()
	})
	return s.closeErr
}

// begin counts an operation that Close must wait for; the caller calls
// the function returned when done.
func (s *Store) begin() (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	s.wg.Add(1)
	return s.wg.Done, nil
}

// sessionLocked returns the live session name, made if missing. s.mu is
// held.
func (s *Store) sessionLocked(name string) *session {
	sess := s.sessions[name]
	if sess == nil {
		sess = &session{recs: map[string]string{}}
		s.sessions[name] = sess
	}
	return sess
}

// maxSessionLen bounds a session name.
const maxSessionLen = 128

// checkSession refuses a session name that is not safe as a folder name:
// 1 to 128 letters, digits, '-', '_' and '.', starting with a letter or a
// digit.
func checkSession(name string) error {
	if name == "" || len(name) > maxSessionLen {
		return fmt.Errorf("%w: session name %q is empty or over %d bytes", ErrBadPath, short(name), maxSessionLen)
	}
	for i := range len(name) {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '-' && c != '_' && c != '.') {
			return fmt.Errorf("%w: session name %q may hold letters, digits, - _ . only, and start with a letter or digit",
				ErrBadPath, short(name))
		}
	}
	return nil
}

// AddRecording makes a recording of the record component, kept by the
// Recordings at rel, a file of the session: it appears as
// :TEMP/ivr_records/<name> (name sanitized like a fetched file's; a name
// already taken by another recording gets "-2", "-3"… before its
// extension) and is deleted (Recordings.Delete) with the session's temp
// files. It returns the zero Path, and logs why, when the session name is
// bad, rel is not a relative slash-separated path, Options.Recordings is
// nil or the Store is closed.
func (s *Store) AddRecording(session, name, rel string) Path {
	err := checkSession(session)
	switch {
	case err != nil:
	case s.opt.Recordings == nil:
		err = errors.New("no recorder configured")
	case rel == "." || !fs.ValidPath(rel):
		err = fmt.Errorf("%w: recording path %q is not relative", ErrBadPath, short(rel))
	}
	if err != nil {
		s.log.Warn("files: recording refused", "session", short(session), "err", err)
		return Path{}
	}
	base := sanitize(name)
	if base == "" {
		base = sanitize(path.Base(rel))
	}
	if base == "" {
		base = "record"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Path{}
	}
	sess := s.sessionLocked(session)
	n := s.freeNameLocked(session, sess, base, rel)
	sess.recs[n] = rel
	return Path{Storage: Temp, Rel: RecordsDir + "/" + n}
}

// freeNameLocked returns base, or base with "-2", "-3"… before its
// extension, whichever the session has no other recording (live or kept
// for a link) under. s.mu is held.
func (s *Store) freeNameLocked(session string, sess *session, base, rel string) string {
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	for i := 1; ; i++ {
		n := base
		if i > 1 {
			suffix := "-" + strconv.Itoa(i)
			n = stem[:min(len(stem), MaxNameLen-len(suffix)-len(ext))] + suffix + ext
		}
		if old, ok := sess.recs[n]; ok && old != rel {
			continue
		}
		if _, ok := s.orphans[fileKey{session, RecordsDir + "/" + n}]; ok {
			continue
		}
		return n
	}
}

// recordingLocked returns the recorder's rel of the recording at rel
// (":TEMP/" + rel) of session, live or kept for a link. s.mu is held.
func (s *Store) recordingLocked(session, rel string) (string, bool) {
	name, ok := strings.CutPrefix(rel, RecordsDir+"/")
	if !ok || strings.Contains(name, "/") {
		return "", false
	}
	if sess := s.sessions[session]; sess != nil {
		if r, ok := sess.recs[name]; ok {
			return r, true
		}
	}
	r := s.orphans[fileKey{session, rel}]
	return r, r != ""
}

// isRecording reports whether rel (in :TEMP) is in the recordings folder,
// which holds recordings only.
func isRecording(rel string) bool { return rel == RecordsDir || strings.HasPrefix(rel, RecordsDir+"/") }

// checkFile refuses a Path that Parse could not have made, or that names
// a storage's root.
func checkFile(p Path) error {
	if !p.valid() || p.Rel == "" {
		return fmt.Errorf("%w: %q does not name a file", ErrBadPath, short(p.String()))
	}
	return nil
}

// PromptName returns the name to hand the box's prompt cache for playing
// p: for a static storage the path relative to PromptDir
// ("ivrapi/globalshare_public/x/y/14.mp3"), for a :TEMP file its absolute
// path under TempDir (which the box mounts into the prompt cache with
// prompt.DirSource), for a :TEMP recording what the Recordings'
// RecordingNamer says (ErrUnsupported when they do not implement it). A
// missing file gives ErrNotFound.
func (s *Store) PromptName(session string, p Path) (string, error) {
	if err := checkFile(p); err != nil {
		return "", err
	}
	if !p.isTemp() {
		if err := s.statStatic(p); err != nil {
			return "", err
		}
		folder, _ := Folder(p.Storage)
		return folder + "/" + p.Rel, nil
	}
	if err := checkSession(session); err != nil {
		return "", err
	}
	if isRecording(p.Rel) {
		return s.recordingName(session, p)
	}
	if err := s.statTemp(session, p); err != nil {
		return "", err
	}
	return filepath.Join(s.opt.TempDir, session, filepath.FromSlash(p.Rel)), nil
}

// recordingName is PromptName for a recording.
func (s *Store) recordingName(session string, p Path) (string, error) {
	s.mu.Lock()
	rel, ok := s.recordingLocked(session, p.Rel)
	s.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("%w: %q in session %q", ErrNotFound, short(p.String()), short(session))
	}
	namer, ok := s.opt.Recordings.(RecordingNamer)
	if !ok {
		return "", fmt.Errorf("%w: the recording %q cannot be played", ErrUnsupported, short(p.String()))
	}
	name, err := namer.PromptName(rel)
	if err != nil {
		return "", fmt.Errorf("files: recording %q: %w", short(p.String()), err)
	}
	return name, nil
}
