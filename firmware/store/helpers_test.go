package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// openT opens a store at path with a short lock timeout; it is closed when
// the test ends.
func openT(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func tempPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "ivrbox.db")
}

// rawGet reads one value straight from the file (the store must be closed).
func rawGet(t *testing.T, path, bucket, key string) []byte {
	t.Helper()
	var out []byte
	withDB(t, path, func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte(bucket)); b != nil {
			out = bytes.Clone(b.Get([]byte(key)))
		}
		return nil
	})
	return out
}

// currentBytes reads config/current through an open store's DB.
func currentBytes(t *testing.T, s *Store) []byte {
	t.Helper()
	var out []byte
	if err := s.DB().View(func(tx *bbolt.Tx) error {
		out = bytes.Clone(tx.Bucket([]byte(BucketConfig)).Get(keyCurrent))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// withDB runs fn in a write transaction on the file at path, opened with
// bbolt directly (to build old or broken files).
func withDB(t *testing.T, path string, fn func(tx *bbolt.Tx) error) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// dump returns every bucket's keys and values (nested buckets as "<bucket>").
func dump(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	withDB(t, path, func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			m := map[string]string{}
			out[string(name)] = m
			return b.ForEach(func(k, v []byte) error {
				if v == nil {
					v = []byte("<bucket>")
				}
				m[string(k)] = string(v)
				return nil
			})
		})
	})
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }
