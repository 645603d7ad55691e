package store

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// The file's schema version is config.SchemaVersion: one number for the
// bbolt layout and the config document. steps[n] migrates a file from
// version n+1 to n+2 inside one write transaction; migrate stamps the new
// version in the same transaction, so each step is all-or-nothing.
//
// Adding version N+1: raise config.SchemaVersion, add config's document step,
// and append a step here: the layout change, or, for a document-only change,
// rewriteConfig (which runs config's steps through config.Import).
var steps = []step{
	migrate1to2,
}

// step is one migration, from version N to N+1, within tx.
type step func(tx *bbolt.Tx) error

// schemaOf returns the file's schema version, 0 for a file without any
// bucket (a fresh one).
func schemaOf(db *bbolt.DB) (int, error) {
	version := 0
	err := db.View(func(tx *bbolt.Tx) error {
		meta := tx.Bucket([]byte(BucketMeta))
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
			if empty {
				return nil
			}
			return fmt.Errorf("%w: it has buckets but no %q bucket", ErrNotStore, BucketMeta)
		}
		raw := meta.Get(keySchema)
		v, err := strconv.Atoi(string(raw))
		if err != nil || v < 1 {
			return fmt.Errorf("%w: schema version %q", ErrNotStore, raw)
		}
		version = v
		return nil
	})
	return version, err
}

// initFile writes a fresh file in one transaction: every reserved bucket,
// the schema version, a new serial and the factory config.
func initFile(db *bbolt.DB, random io.Reader) error {
	sn, err := newSerial(random)
	if err != nil {
		return err
	}
	data, err := encode(config.Defaults())
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range reserved {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket([]byte(BucketMeta))
		if err := meta.Put(keySchema, []byte(strconv.Itoa(config.SchemaVersion))); err != nil {
			return err
		}
		if err := meta.Put(keySN, []byte(sn)); err != nil {
			return err
		}
		return tx.Bucket([]byte(BucketConfig)).Put(keyCurrent, data)
	})
	if err != nil {
		return fmt.Errorf("store: initialise: %w", err)
	}
	return nil
}

// migrate runs steps from the file's version up to version to.
func migrate(db *bbolt.DB, steps []step, to int, log *slog.Logger) error {
	from, err := schemaOf(db)
	if err != nil {
		return err
	}
	if from > to {
		return fmt.Errorf("%w: schema version %d, this firmware knows up to %d; update the firmware or restore a backup",
			ErrNewerSchema, from, to)
	}
	for v := from; v < to; v++ {
		err := db.Update(func(tx *bbolt.Tx) error {
			if err := steps[v-1](tx); err != nil {
				return err
			}
			return tx.Bucket([]byte(BucketMeta)).Put(keySchema, []byte(strconv.Itoa(v+1)))
		})
		if err != nil {
			return fmt.Errorf("store: migrating schema %d to %d (the file is left at %d): %w", v, v+1, v, err)
		}
		log.Info("store: migrated", "from", v, "to", v+1)
	}
	return nil
}

// loadConfig reads and checks the stored config.
func loadConfig(db *bbolt.DB) (config.Config, error) {
	var c config.Config
	err := db.View(func(tx *bbolt.Tx) error {
		var data []byte
		if b := tx.Bucket([]byte(BucketConfig)); b != nil {
			data = b.Get(keyCurrent)
		}
		if data == nil {
			return fmt.Errorf("%w: no config in bucket %q", ErrNotStore, BucketConfig)
		}
		var err error
		if c, err = config.Import(data); err != nil {
			return fmt.Errorf("store: the stored config is unusable: %w", err)
		}
		return nil
	})
	return c, err
}

// ensureReserved creates missing reserved buckets and the serial, in one
// transaction, only when something is missing.
func ensureReserved(db *bbolt.DB, random io.Reader) error {
	complete := true
	_ = db.View(func(tx *bbolt.Tx) error {
		for _, name := range reserved {
			if tx.Bucket([]byte(name)) == nil {
				complete = false
			}
		}
		complete = complete && tx.Bucket([]byte(BucketMeta)).Get(keySN) != nil
		return nil
	})
	if complete {
		return nil
	}
	sn, err := newSerial(random)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range reserved {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket([]byte(BucketMeta))
		if meta.Get(keySN) != nil {
			return nil
		}
		return meta.Put(keySN, []byte(sn))
	})
	if err != nil {
		return fmt.Errorf("store: create buckets: %w", err)
	}
	return nil
}

// serial reads the box's serial number.
func serial(db *bbolt.DB) (string, error) {
	var sn string
	err := db.View(func(tx *bbolt.Tx) error {
		sn = string(tx.Bucket([]byte(BucketMeta)).Get(keySN))
		return nil
	})
	return sn, err
}

// rewriteConfig is the store step for a version that changed only the config
// document: config.Import migrates the stored document, which is written back.
func rewriteConfig(tx *bbolt.Tx) error {
	b := tx.Bucket([]byte(BucketConfig))
	c, err := config.Import(b.Get(keyCurrent))
	if err != nil {
		return err
	}
	data, err := encode(c)
	if err != nil {
		return err
	}
	return b.Put(keyCurrent, data)
}

// newSerial returns a 12-digit serial number not starting with 0, like the
// PBX seed's "368182384620".
func newSerial(random io.Reader) (string, error) {
	var b [8]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("store: generate serial: %w", err)
	}
	const lo, span = 100_000_000_000, 900_000_000_000
	return strconv.FormatUint(lo+binary.BigEndian.Uint64(b[:])%span, 10), nil
}
