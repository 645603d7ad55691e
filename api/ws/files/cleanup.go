package files

import (
	"errors"
	"io/fs"
	"os"
	"time"
)

// EndSession is called when the session's script has ended: it removes
// the session's temp folder and deletes its recordings, except the files
// with a download link still valid, which go when the last of their links
// expires (by a timer, or a Sweep; a restart removes them anyway). A
// later call for the same name starts afresh: the name is a new session.
func (s *Store) EndSession(session string) {
	s.deleteRecordings(s.end(session))
}

// end is EndSession but for deleting the recordings, whose rels it
// returns: the Recordings are called without s.mu held.
func (s *Store) end(session string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[session]
	if sess == nil || s.closed {
		return nil
	}
	delete(s.sessions, session)
	sess.wmu.Lock() // a write in progress finishes first
	sess.ended = true
	sess.wmu.Unlock()
	now := s.opt.Now()
	var del []string
	for name, rel := range sess.recs {
		k := fileKey{session, RecordsDir + "/" + name}
		if s.heldLocked(k, now) {
			s.orphans[k] = rel
			continue
		}
		delete(s.holds, k)
		del = append(del, rel)
	}
	s.endFilesLocked(session, now)
	s.armLocked(now)
	return del
}

// endFilesLocked removes the temp folder of an ended session, or the
// files in it without a valid link, which it keeps as orphans. s.mu is
// held.
func (s *Store) endFilesLocked(session string, now time.Time) {
	root, err := s.sessionRoot(session, false)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		s.log.Warn("files: ending a session", "session", session, "err", err)
		return
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		s.log.Warn("files: ending a session", "session", session, "err", err)
	}
	kept := false
	for _, e := range entries {
		k := fileKey{session, e.Name()}
		if e.Type().IsRegular() && s.heldLocked(k, now) {
			s.orphans[k], kept = "", true
			continue
		}
		delete(s.holds, k)
		if err := root.RemoveAll(e.Name()); err != nil {
			s.log.Warn("files: removing a temp file", "session", session, "err", err)
		}
	}
	if !kept {
		s.removeSessionDir(session)
	}
}

// heldLocked reports whether a link to k is valid at now. s.mu is held.
func (s *Store) heldLocked(k fileKey, now time.Time) bool {
	t, ok := s.holds[k]
	return ok && t.After(now)
}

// holdLocked records that a link to k is valid until exp. s.mu is held.
func (s *Store) holdLocked(k fileKey, exp time.Time) {
	if exp.After(s.holds[k]) {
		s.holds[k] = exp
	}
}

// Sweep removes the files of ended sessions whose last link has expired
// by Options.Now. The Store calls it from a timer set for the earliest
// expiry; a test with an injected clock calls it after moving the clock.
func (s *Store) Sweep() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	del := s.sweepLocked(s.opt.Now())
	s.mu.Unlock()
	s.deleteRecordings(del)
}

// sweepLocked is Sweep but for deleting the recordings, whose rels it
// returns. s.mu is held.
func (s *Store) sweepLocked(now time.Time) (del []string) {
	left, gone := map[string]bool{}, map[string]bool{}
	for k, rec := range s.orphans {
		if s.heldLocked(k, now) {
			left[k.session] = true
			continue
		}
		delete(s.orphans, k)
		gone[k.session] = true
		if rec != "" {
			del = append(del, rec)
		} else {
			s.removeTemp(k)
		}
	}
	for k, t := range s.holds {
		if !t.After(now) {
			delete(s.holds, k)
		}
	}
	for session := range gone {
		if !left[session] && s.sessions[session] == nil {
			s.removeSessionDir(session)
		}
	}
	s.armLocked(now)
	return del
}

// armLocked sets the timer for the earliest expiry of an orphan's links,
// or stops it when there are no orphans. s.mu is held.
func (s *Store) armLocked(now time.Time) {
	s.stopTimerLocked()
	var next time.Time
	for k := range s.orphans {
		if t := s.holds[k]; next.IsZero() || t.Before(next) {
			next = t
		}
	}
	if len(s.orphans) == 0 {
		return
	}
	s.wg.Add(1) // the callback's, or Done by stopTimerLocked
	s.timer = time.AfterFunc(max(0, next.Sub(now)), s.fire)
}

// stopTimerLocked stops the sweep timer; a callback that will not run is
// counted off the wait group. s.mu is held.
func (s *Store) stopTimerLocked() {
	if s.timer != nil && s.timer.Stop() {
		s.wg.Done()
	}
	s.timer = nil
}

// fire is the timer's callback.
func (s *Store) fire() {
	defer s.wg.Done()
	s.Sweep()
}

// deleteRecordings deletes recordings, logging failures. s.mu is not
// held.
func (s *Store) deleteRecordings(rels []string) {
	for _, rel := range rels {
		if err := s.opt.Recordings.Delete(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("files: deleting a recording", "rel", short(rel), "err", err)
		}
	}
}

// removeTemp removes the temp file k, logging a failure.
func (s *Store) removeTemp(k fileKey) {
	root, err := s.sessionRoot(k.session, false)
	if err == nil {
		err = root.Remove(k.rel)
		_ = root.Close()
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("files: removing a temp file", "session", k.session, "err", err)
	}
}

// removeSessionDir removes a session's temp folder, logging a failure.
func (s *Store) removeSessionDir(session string) {
	root, err := os.OpenRoot(s.opt.TempDir)
	if err == nil {
		err = root.RemoveAll(session)
		_ = root.Close()
	}
	if err != nil {
		s.log.Warn("files: removing a temp folder", "session", session, "err", err)
	}
}
