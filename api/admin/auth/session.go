package auth

import (
	"encoding/json"
	"time"

	"go.etcd.io/bbolt"
)

// MaxSessions is the most sessions kept; a new login past it ends the one
// least recently used.
const MaxSessions = 64

// touchEvery is how stale a session's last-use time may get before a
// request writes it (so requests do not each cost a disk write).
const touchEvery = time.Minute

// Session is one logged-in browser.
type Session struct {
	Created time.Time `json:"created"` // login time
	Seen    time.Time `json:"seen"`    // last use, to within a minute
}

// expired reports whether the session is over at now.
func (s *Store) expired(se Session, now time.Time) bool {
	return now.Sub(se.Seen) >= s.idle || now.Sub(se.Created) >= s.maxAge
}

// Expires is when the session ends at the latest (MaxAge after login).
func (s *Store) Expires(se Session) time.Time { return se.Created.Add(s.maxAge) }

// NewSession starts a session and returns its id (the cookie value; only its
// digest is stored). Expired sessions are removed, and the least recently
// used one when MaxSessions are open.
func (s *Store) NewSession() (string, Session, error) {
	id, err := s.secret()
	if err != nil {
		return "", Session{}, err
	}
	now := s.now()
	se := Session{Created: now, Seen: now}
	err = s.update(func(b *bbolt.Bucket) error {
		sb, err := b.CreateBucketIfNotExists(keySessions)
		if err != nil {
			return err
		}
		if err := s.prune(sb, now); err != nil {
			return err
		}
		return putJSON(sb, digest(id), se)
	})
	if err != nil {
		return "", Session{}, err
	}
	return id, se, nil
}

// prune removes expired sessions, then the least recently used while
// MaxSessions or more remain.
func (s *Store) prune(sb *bbolt.Bucket, now time.Time) error {
	var dead [][]byte
	var oldest []byte
	var oldestSeen time.Time
	live := 0
	err := sb.ForEach(func(k, v []byte) error {
		var se Session
		if json.Unmarshal(v, &se) != nil || s.expired(se, now) {
			dead = append(dead, k)
			return nil
		}
		live++
		if oldest == nil || se.Seen.Before(oldestSeen) {
			oldest, oldestSeen = k, se.Seen
		}
		return nil
	})
	if err != nil {
		return err
	}
	if live >= MaxSessions {
		dead = append(dead, oldest)
	}
	for _, k := range dead {
		if err := sb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Session returns the live session with id, recording its use; ErrNoSession
// if it is unknown or expired (an expired one is removed).
func (s *Store) Session(id string) (Session, error) {
	if id == "" {
		return Session{}, ErrNoSession
	}
	k, now := digest(id), s.now()
	var se Session
	var found bool
	err := s.view(func(b *bbolt.Bucket) error {
		if sb := b.Bucket(keySessions); sb != nil {
			var err error
			found, err = getJSON(sb, k, &se)
			return err
		}
		return nil
	})
	switch {
	case err != nil:
		return Session{}, err
	case !found:
		return Session{}, ErrNoSession
	case s.expired(se, now):
		_ = s.EndSession(id)
		return Session{}, ErrNoSession
	case now.Sub(se.Seen) < touchEvery:
		return se, nil
	}
	se.Seen = now
	err = s.update(func(b *bbolt.Bucket) error {
		sb := b.Bucket(keySessions)
		if sb == nil || sb.Get(k) == nil {
			return ErrNoSession // ended meanwhile
		}
		return putJSON(sb, k, se)
	})
	if err != nil {
		return Session{}, err
	}
	return se, nil
}

// EndSession ends the session with id (logout). Ending an unknown session is
// not an error.
func (s *Store) EndSession(id string) error {
	return s.update(func(b *bbolt.Bucket) error {
		if sb := b.Bucket(keySessions); sb != nil {
			return sb.Delete(digest(id))
		}
		return nil
	})
}

// EndSessions ends every session except keep ("" ends them all).
func (s *Store) EndSessions(keep string) error {
	var k []byte
	if keep != "" {
		k = digest(keep)
	}
	return s.update(func(b *bbolt.Bucket) error { return endSessions(b, k) })
}

// endSessions deletes every session but the one stored under keep (nil: all).
func endSessions(b *bbolt.Bucket, keep []byte) error {
	sb := b.Bucket(keySessions)
	if sb == nil {
		return nil
	}
	var ks [][]byte
	_ = sb.ForEach(func(k, _ []byte) error {
		if keep == nil || string(k) != string(keep) {
			ks = append(ks, k)
		}
		return nil
	})
	for _, k := range ks {
		if err := sb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
