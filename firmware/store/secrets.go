package store

import (
	"errors"
	"fmt"

	"go.etcd.io/bbolt"
)

// BucketSecrets holds credentials (network-disk passwords): written and read
// through SetSecret, Secret and DeleteSecret, never exported or shown.
const BucketSecrets = "secrets"

// ErrNoSecret means no secret is stored under the key.
var ErrNoSecret = errors.New("store: no such secret")

// SetSecret stores value under key (e.g. "disk/1/password").
func (s *Store) SetSecret(key, value string) error {
	if key == "" {
		return fmt.Errorf("store: empty secret key")
	}
	if s.isClosed() {
		return ErrClosed
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(BucketSecrets))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(value))
	})
	if err != nil {
		return fmt.Errorf("store: set secret: %w", err)
	}
	return nil
}

// Secret returns the value stored under key, or an error wrapping ErrNoSecret.
func (s *Store) Secret(key string) (string, error) {
	if s.isClosed() {
		return "", ErrClosed
	}
	var v []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte(BucketSecrets)); b != nil {
			v = append([]byte(nil), b.Get([]byte(key))...)
			if b.Get([]byte(key)) != nil {
				return nil
			}
		}
		return fmt.Errorf("%w: %q", ErrNoSecret, key)
	})
	return string(v), err
}

// DeleteSecret removes the secret under key; a missing one is not an error.
func (s *Store) DeleteSecret(key string) error {
	if s.isClosed() {
		return ErrClosed
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte(BucketSecrets)); b != nil {
			return b.Delete([]byte(key))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete secret: %w", err)
	}
	return nil
}

// clearSecrets removes every secret (factory reset).
func clearSecrets(tx *bbolt.Tx) error {
	if tx.Bucket([]byte(BucketSecrets)) == nil {
		return nil
	}
	return tx.DeleteBucket([]byte(BucketSecrets))
}
