package cdr

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/ivrbox/ivrbox/firmware/procs"
	"github.com/ivrbox/ivrbox/firmware/store"
)

// DefaultMax is the number of records kept when New is given 0.
const DefaultMax = 10000

// MaxList is the most records one List call returns.
const MaxList = 1000

// ErrClosed is returned once the database is closed.
var ErrClosed = errors.New("cdr: database closed")

var bucket = []byte(store.BucketCalls)

// Store keeps the records in the bbolt bucket store.BucketCalls, keyed by
// start time (then call id), so they list newest first by a reverse scan.
// It is safe for concurrent use.
type Store struct {
	db  *bbolt.DB
	max int

	mu sync.Mutex // guards n and serialises writers, so n stays exact
	n  int        // records in the bucket
}

// New returns the record store in db (the store's DB; the bucket is created
// if missing) keeping the newest max records (0 or less: DefaultMax).
func New(db *bbolt.DB, max int) (*Store, error) {
	if max <= 0 {
		max = DefaultMax
	}
	s := &Store{db: db, max: max}
	err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		s.n = b.Stats().KeyN
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cdr: open: %w", wrapClosed(err))
	}
	return s, nil
}

// Len returns the number of records kept.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Add stores records in one transaction, then drops the oldest beyond the
// limit. A record with the same start time and id as a stored one replaces it.
func (s *Store) Add(recs ...Record) error {
	if len(recs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.n
	err := procs.Do(func() error {
		return s.db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucket)
			if err != nil {
				return err
			}
			for _, r := range recs {
				k := key(r)
				v, err := json.Marshal(r)
				if err != nil {
					return err
				}
				if b.Get(k) == nil {
					n++
				}
				if err := b.Put(k, v); err != nil {
					return err
				}
			}
			c := b.Cursor()
			for k, _ := c.First(); k != nil && n > s.max; k, _ = c.First() {
				if err := b.Delete(k); err != nil {
					return err
				}
				n--
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("cdr: add %d records: %w", len(recs), wrapClosed(err))
	}
	s.n = n
	return nil
}

// List returns up to limit records (0: 50; at most MaxList) that started
// before before (zero: any), newest first: Find with no filter.
func (s *Store) List(limit int, before time.Time) ([]Record, error) {
	if limit <= 0 {
		limit = 50
	}
	return s.Find(Query{Limit: min(limit, MaxList), Before: before})
}

// Clear removes every record (the factory reset).
func (s *Store) Clear() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := procs.Do(func() error {
		return s.db.Update(func(tx *bbolt.Tx) error {
			if tx.Bucket(bucket) != nil {
				if err := tx.DeleteBucket(bucket); err != nil {
					return err
				}
			}
			_, err := tx.CreateBucket(bucket)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("cdr: clear: %w", wrapClosed(err))
	}
	s.n = 0
	return nil
}

// key orders records by start time (the end time when the start is
// unknown), then id.
func key(r Record) []byte {
	t := r.Started
	if t.IsZero() {
		t = r.Ended
	}
	return append(timeKey(t), r.ID...)
}

// timeKey is t as 8 big-endian bytes of Unix nanoseconds (times before 1970
// sort as 1970).
func timeKey(t time.Time) []byte {
	ns := t.UnixNano()
	if t.Before(time.Unix(0, 0)) {
		ns = 0
	}
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8+64), uint64(ns))
}

// wrapClosed turns bbolt's closed-database error into ErrClosed.
func wrapClosed(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}
