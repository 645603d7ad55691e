package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket is the bbolt bucket holding the admin credentials.
const Bucket = "admin"

var (
	bucket      = []byte(Bucket)
	keyPassword = []byte("password")
	keySessions = []byte("sessions") // nested bucket: sha256(id) → session
	keyTokens   = []byte("tokens")   // nested bucket: sha256(token) → Token
)

// ErrClosed is returned once the database is closed.
var ErrClosed = errors.New("auth: database closed")

// Options configures a Store. Zero values are the documented defaults.
type Options struct {
	// IdleTimeout ends a session not used for this long (default 8 h).
	IdleTimeout time.Duration
	// MaxAge ends a session this long after login (default 24 h).
	MaxAge time.Duration
	// Params are the argon2id parameters for new hashes (default
	// DefaultParams). Existing hashes keep the parameters they were made with.
	Params Params
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand is the source of salts, session ids and tokens (default crypto/rand).
	Rand io.Reader
}

// Store keeps the admin password, sessions and tokens in the "admin" bucket.
// It is safe for concurrent use.
type Store struct {
	db      *bbolt.DB
	idle    time.Duration
	maxAge  time.Duration
	params  Params
	now     func() time.Time
	rand    io.Reader
	hashing chan struct{} // semaphore: argon2id runs at a time
}

// maxHashing bounds concurrent argon2id runs (19 MiB each on a 512 MiB board).
const maxHashing = 2

// New returns the credential store in db (the box's data file). The bucket
// is created on the first write.
func New(db *bbolt.DB, opt Options) *Store {
	s := &Store{db: db, idle: opt.IdleTimeout, maxAge: opt.MaxAge, params: opt.Params,
		now: opt.Now, rand: opt.Rand, hashing: make(chan struct{}, maxHashing)}
	if s.idle <= 0 {
		s.idle = 8 * time.Hour
	}
	if s.maxAge <= 0 {
		s.maxAge = 24 * time.Hour
	}
	if s.params.Memory == 0 || s.params.Time == 0 {
		s.params = DefaultParams
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s
}

// Reset removes the password, every session and every token: the box is
// back at first run.
func (s *Store) Reset() error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucket) == nil {
			return nil
		}
		return tx.DeleteBucket(bucket)
	})
	if err != nil {
		return fmt.Errorf("auth: reset: %w", wrapClosed(err))
	}
	return nil
}

// view runs fn on the admin bucket (an empty one if it does not exist yet).
func (s *Store) view(fn func(b *bbolt.Bucket) error) error {
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		return fn(b)
	})
	return wrapClosed(err)
}

// update runs fn on the admin bucket in a write transaction.
func (s *Store) update(fn func(b *bbolt.Bucket) error) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		return fn(b)
	})
	return wrapClosed(err)
}

// random returns n bytes from the random source.
func (s *Store) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, fmt.Errorf("auth: random source: %w", err)
	}
	return b, nil
}

// secret returns a new 32-byte random secret, base64url without padding.
func (s *Store) secret() (string, error) {
	b, err := s.random(32)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// digest is the stored form of a session id or token.
func digest(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func wrapClosed(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}
