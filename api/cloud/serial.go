package cloud

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"

	"go.etcd.io/bbolt"
)

// serialBlock is how many serials are reserved on disk at a time: a
// restart skips what was reserved and not used, so a serial is never
// given twice, and only one event in serialBlock/2 waits for a write.
const serialBlock = 4096

var (
	bucketMeta = []byte("cloud")
	keySerial  = []byte("serial")
)

// serials gives the events' serial numbers: increasing across the box and
// never reused after a restart. The reserved limit is stored in bbolt; a
// goroutine reserves the next block when half of the current one is used,
// so Next waits for the disk only when the reservation fell behind.
type serials struct {
	db  *bbolt.DB
	log *slog.Logger

	mu       sync.Mutex
	next     uint64 // the next serial to give
	limit    uint64 // serials below limit are reserved
	pending  bool   // a reservation is under way
	closed   bool
	reserved *sync.Cond
	wg       sync.WaitGroup // the reservation goroutines
}

// newSerials loads the stored limit and reserves the first block.
func newSerials(db *bbolt.DB, log *slog.Logger) (*serials, error) {
	s := &serials{db: db, log: log}
	s.reserved = sync.NewCond(&s.mu)
	var start uint64
	err := db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketMeta); b != nil {
			if v := b.Get(keySerial); len(v) == 8 {
				start = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cloud: serial: %w", err)
	}
	if start == 0 {
		start = 1
	}
	if err := s.store(start + serialBlock); err != nil {
		return nil, err
	}
	s.next, s.limit = start, start+serialBlock
	return s, nil
}

// store writes limit as the reserved limit.
func (s *serials) store(limit uint64) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keySerial, binary.BigEndian.AppendUint64(nil, limit))
	})
	if err != nil {
		return fmt.Errorf("cloud: serial: %w", err)
	}
	return nil
}

// Next returns the next serial.
func (s *serials) Next() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.next >= s.limit && !s.closed {
		s.reserveLocked()
		s.reserved.Wait()
	}
	n := s.next
	s.next++
	if s.limit-s.next < serialBlock/2 {
		s.reserveLocked()
	}
	return int64(n)
}

// reserveLocked starts a reservation of the next block unless one is
// under way. s.mu is held.
func (s *serials) reserveLocked() {
	if s.pending || s.closed {
		return
	}
	s.pending = true
	limit := s.limit + serialBlock
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := s.store(limit)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.pending = false
		if err != nil {
			s.log.Error("cloud api: serials not reserved; retrying with the next event", "err", err)
			s.reserved.Broadcast()
			return
		}
		if limit > s.limit {
			s.limit = limit
		}
		s.reserved.Broadcast()
	}()
}

// Close stops reserving and waits for a reservation under way. Serials
// given after Close are not reserved on disk.
func (s *serials) Close() {
	s.mu.Lock()
	s.closed = true
	s.reserved.Broadcast()
	s.mu.Unlock()
	s.wg.Wait()
}
