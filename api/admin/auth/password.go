package auth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"
)

// Password rules.
const (
	MinPasswordLen = 8    // characters
	MaxPasswordLen = 1024 // bytes
)

// Params are the argon2id parameters of a password hash.
type Params struct {
	Memory  uint32 `json:"m"` // KiB
	Time    uint32 `json:"t"` // passes
	Threads uint8  `json:"p"`
}

// DefaultParams are the parameters new hashes get: OWASP's argon2id
// minimum (19 MiB, 2 passes, 1 thread), affordable on a Pi Zero 2 W.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// hashRecord is the stored form of the password.
type hashRecord struct {
	Alg     string    `json:"alg"` // "argon2id"
	Params  Params    `json:"params"`
	Salt    []byte    `json:"salt"`
	Hash    []byte    `json:"hash"`
	Changed time.Time `json:"changed"`
}

// CheckPassword says what is wrong with a new password (nil if nothing).
func CheckPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: %d characters, at least %d are needed", ErrWeakPassword, n, MinPasswordLen)
	case strings.TrimSpace(pw) == "":
		return fmt.Errorf("%w: only spaces", ErrWeakPassword)
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("%w: %d bytes, at most %d are allowed", ErrWeakPassword, len(pw), MaxPasswordLen)
	}
	return nil
}

// HasPassword reports whether an admin password is set (false on first run).
func (s *Store) HasPassword() (bool, error) {
	var has bool
	err := s.view(func(b *bbolt.Bucket) error {
		has = b.Get(keyPassword) != nil
		return nil
	})
	return has, err
}

// Setup sets the first admin password; ErrSetupDone if one is set already
// (checked in the same transaction as the write, so of two racing setups
// one wins).
func (s *Store) Setup(ctx context.Context, pw string) error {
	rec, err := s.newHash(ctx, pw)
	if err != nil {
		return err
	}
	return s.update(func(b *bbolt.Bucket) error {
		if b.Get(keyPassword) != nil {
			return ErrSetupDone
		}
		return putJSON(b, keyPassword, rec)
	})
}

// SetPassword sets the admin password whatever it was (the console's
// `ivrbox passwd`) and ends every session. Tokens stay valid.
func (s *Store) SetPassword(ctx context.Context, pw string) error {
	rec, err := s.newHash(ctx, pw)
	if err != nil {
		return err
	}
	return s.update(func(b *bbolt.Bucket) error {
		if err := putJSON(b, keyPassword, rec); err != nil {
			return err
		}
		return endSessions(b, nil)
	})
}

// Verify checks pw against the admin password: nil, ErrWrongPassword or
// ErrNoPassword.
func (s *Store) Verify(ctx context.Context, pw string) error {
	var rec hashRecord
	var found bool
	err := s.view(func(b *bbolt.Bucket) error {
		var err error
		found, err = getJSON(b, keyPassword, &rec)
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return ErrNoPassword
	}
	if rec.Alg != "argon2id" || len(rec.Hash) == 0 {
		return fmt.Errorf("auth: stored password hash uses %q, want argon2id", rec.Alg)
	}
	got, err := s.hash(ctx, pw, rec.Salt, rec.Params, uint32(len(rec.Hash)))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(got, rec.Hash) != 1 {
		return ErrWrongPassword
	}
	return nil
}

// ChangePassword replaces the password after checking old, and ends every
// session except keep (the caller's own; "" ends them all).
func (s *Store) ChangePassword(ctx context.Context, old, pw, keep string) error {
	if err := CheckPassword(pw); err != nil {
		return err
	}
	if err := s.Verify(ctx, old); err != nil {
		return err
	}
	rec, err := s.newHash(ctx, pw)
	if err != nil {
		return err
	}
	return s.update(func(b *bbolt.Bucket) error {
		if err := putJSON(b, keyPassword, rec); err != nil {
			return err
		}
		var k []byte
		if keep != "" {
			k = digest(keep)
		}
		return endSessions(b, k)
	})
}

// newHash checks pw and hashes it with a new salt.
func (s *Store) newHash(ctx context.Context, pw string) (hashRecord, error) {
	if err := CheckPassword(pw); err != nil {
		return hashRecord{}, err
	}
	salt, err := s.random(saltLen)
	if err != nil {
		return hashRecord{}, err
	}
	h, err := s.hash(ctx, pw, salt, s.params, keyLen)
	if err != nil {
		return hashRecord{}, err
	}
	return hashRecord{Alg: "argon2id", Params: s.params, Salt: salt, Hash: h, Changed: s.now()}, nil
}

// hash runs argon2id, at most maxHashing at a time (each takes Memory KiB).
func (s *Store) hash(ctx context.Context, pw string, salt []byte, p Params, n uint32) ([]byte, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("auth: waiting to hash: %w", ctx.Err())
	}
	defer func() { <-s.hashing }()
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, max(p.Threads, 1), n), nil
}

func putJSON(b *bbolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

func getJSON(b *bbolt.Bucket, k []byte, v any) (bool, error) {
	data := b.Get(k)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("auth: stored %s: %w", k, err)
	}
	return true, nil
}
