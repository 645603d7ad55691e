package store

import (
	"fmt"
	"sync"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/procs"
)

// Update changes the config: fn gets a deep copy to edit; if fn returns nil
// and the result passes config.Validate, it is written in one transaction,
// becomes the current config and subscribers are told. On any error nothing
// changes: fn's error is returned wrapped, a validation failure as
// config.Validate's error (see config.Problems). System.SN belongs to the
// store: whatever fn sets there is replaced by the box's serial. Writers are
// serialised: fn must be quick and must not call Update, Replace,
// ResetToDefaults or Close (it may call Config).
func (s *Store) Update(fn func(*config.Config) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.isClosed() {
		return ErrClosed
	}
	c := s.Config()
	if err := fn(&c); err != nil {
		return fmt.Errorf("store: update: %w", err)
	}
	// fn may have kept a pointer to c: the shared snapshot gets its own copy.
	return s.commitLocked(c.Clone())
}

// Replace makes c the whole config, as Update does (one transaction, same
// validation, SN kept): the import path, after config.Import.
func (s *Store) Replace(c config.Config) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.isClosed() {
		return ErrClosed
	}
	return s.commitLocked(c.Clone())
}

// ResetToDefaults is the factory reset of the config: config.Defaults()
// replaces it in one transaction, keeping the serial. The other packages'
// buckets are untouched; their owners clear them if a reset should.
func (s *Store) ResetToDefaults() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.isClosed() {
		return ErrClosed
	}
	if err := s.db.Update(clearSecrets); err != nil {
		return fmt.Errorf("store: clear secrets: %w", err)
	}
	return s.commitLocked(config.Defaults())
}

// Subscribe returns a channel that receives a value after each change of the
// config (changes in quick succession may be coalesced into one value: read
// Config for the latest), and a function that ends the subscription and
// closes the channel. Close also closes it.
func (s *Store) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		close(ch)
		return ch, func() {}
	}
	id := s.nextSub
	s.nextSub++
	s.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if c, ok := s.subs[id]; ok {
				delete(s.subs, id)
				close(c)
			}
		})
	}
}

// commitLocked validates c, writes it and makes it current. The caller holds
// writeMu and passes a c nobody else references.
func (s *Store) commitLocked(c config.Config) error {
	c.System.SN = s.sn
	if err := config.Validate(c); err != nil {
		return err
	}
	data, err := encode(c)
	if err != nil {
		return err
	}
	err = procs.Do(func() error { // a durable write: lend a processor while it syncs
		return s.db.Update(func(tx *bbolt.Tx) error {
			return tx.Bucket([]byte(BucketConfig)).Put(keyCurrent, data)
		})
	})
	if err != nil {
		return fmt.Errorf("store: write config: %w", err)
	}
	s.cur.Store(&c) // c is ours alone: it becomes the shared snapshot
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default: // a change is already pending
		}
	}
	return nil
}

func (s *Store) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// encode is the stored form of c: its export document without the serial,
// which lives in BucketMeta.
func encode(c config.Config) ([]byte, error) {
	c.System.SN = ""
	data, err := config.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return data, nil
}
