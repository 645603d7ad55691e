package files

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// LinkPrefix is the path under which ServeHTTP answers links; mount the
// Store there.
const LinkPrefix = "/ws/files/"

// A download token is base64url (no padding) of
//
//	version(1) kind(1) expiry(8, Unix ms, big endian)
//	3 × (uvarint length, bytes): the fields of the target
//	HMAC-SHA256 of all that, keyed with Options.Secret (32)
const (
	tokenVersion = 1
	maxTokenLen  = 2048
)

// kind is what a token names.
type kind byte

const (
	kindStatic kind = iota + 1 // a, b: storage, rel
	kindTemp                   // a, b: session, rel in :TEMP
	kindRec                    // a, b, c: session, rel in :TEMP, the recorder's rel
)

// target is the file a link names.
type target struct {
	kind    kind
	a, b, c string
}

// Link returns a public download link for p (a file of the session, or
// of a static storage, for which session is not used):
// base + LinkPrefix + token, base like "http://192.168.1.5:8080". The link
// is valid until expires (Options.LinkTTL from now), even after
// EndSession: the file is kept that long. A missing file gives
// ErrNotFound.
func (s *Store) Link(session string, p Path, base string) (link string, expires time.Time, err error) {
	if err := checkFile(p); err != nil {
		return "", time.Time{}, err
	}
	expires = time.UnixMilli(s.opt.Now().Add(s.opt.LinkTTL).UnixMilli())
	var t target
	if p.isTemp() {
		t, err = s.holdTemp(session, p, expires)
	} else {
		t, err = target{kind: kindStatic, a: p.Storage, b: p.Rel}, s.statStatic(p)
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return strings.TrimRight(base, "/") + LinkPrefix + s.sign(t, expires), expires, nil
}

// holdTemp returns the target of p, a :TEMP file of session, after
// checking that it is there, and keeps it until exp.
func (s *Store) holdTemp(session string, p Path, exp time.Time) (target, error) {
	if err := checkSession(session); err != nil {
		return target{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return target{}, ErrClosed
	}
	t := target{kind: kindTemp, a: session, b: p.Rel}
	if isRecording(p.Rel) {
		rel, ok := s.recordingLocked(session, p.Rel)
		if !ok {
			return target{}, fmt.Errorf("%w: %q in session %q", ErrNotFound, short(p.String()), short(session))
		}
		f, err := s.opt.Recordings.Open(rel)
		if err != nil {
			return target{}, fmt.Errorf("%w: %q in session %q: %w", ErrNotFound, short(p.String()), short(session), err)
		}
		_ = f.Close()
		t = target{kind: kindRec, a: session, b: p.Rel, c: rel}
	} else if err := s.statTemp(session, p); err != nil {
		return target{}, err
	}
	s.holdLocked(fileKey{session, p.Rel}, exp)
	return t, nil
}

// sign makes the token of t expiring at exp.
func (s *Store) sign(t target, exp time.Time) string {
	b := []byte{tokenVersion, byte(t.kind)}
	b = binary.BigEndian.AppendUint64(b, uint64(exp.UnixMilli()))
	for _, f := range [...]string{t.a, t.b, t.c} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return base64.RawURLEncoding.EncodeToString(append(b, s.mac(b)...))
}

// mac returns the HMAC of b, in a new slice.
func (s *Store) mac(b []byte) []byte {
	m := hmac.New(sha256.New, s.opt.Secret)
	m.Write(b)
	return m.Sum(nil)
}

// verify returns the target and expiry of a token, or errBadToken when it
// is malformed or its signature is wrong.
func (s *Store) verify(tok string) (target, time.Time, error) {
	if len(tok) > maxTokenLen {
		return target{}, time.Time{}, errBadToken
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 2+8+3+sha256.Size {
		return target{}, time.Time{}, errBadToken
	}
	body := b[:len(b)-sha256.Size]
	if !hmac.Equal(s.mac(body), b[len(body):]) {
		return target{}, time.Time{}, errBadToken
	}
	t, exp, ok := parseToken(body)
	if !ok || !t.valid() {
		return target{}, time.Time{}, errBadToken
	}
	return t, exp, nil
}

// parseToken decodes the signed part of a token.
func parseToken(b []byte) (target, time.Time, bool) {
	if b[0] != tokenVersion {
		return target{}, time.Time{}, false
	}
	t := target{kind: kind(b[1])}
	exp := time.UnixMilli(int64(binary.BigEndian.Uint64(b[2:10])))
	b = b[10:]
	for _, f := range [...]*string{&t.a, &t.b, &t.c} {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return target{}, time.Time{}, false
		}
		*f, b = string(b[k:k+int(n)]), b[k+int(n):]
	}
	return t, exp, len(b) == 0
}

// valid reports whether t names a file that a link may name (a signed
// token is trusted, but checked all the same).
func (t target) valid() bool {
	switch t.kind {
	case kindStatic:
		p := Path{Storage: t.a, Rel: t.b}
		return !p.isTemp() && checkFile(p) == nil && t.c == ""
	case kindTemp, kindRec:
		p := Path{Storage: Temp, Rel: t.b}
		if checkSession(t.a) != nil || checkFile(p) != nil || isRecording(t.b) != (t.kind == kindRec) {
			return false
		}
		return t.kind == kindTemp && t.c == "" || t.kind == kindRec && t.c != "." && fs.ValidPath(t.c)
	}
	return false
}
