package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// Bucket names. The store owns BucketMeta and BucketConfig; the others are
// created empty by Open and belong to the package named in their comment,
// which reaches them through DB. A package that needs a new bucket adds its
// name here, so names never clash.
const (
	BucketMeta   = "meta"   // schema version, serial: store only
	BucketConfig = "config" // the config document: store only
	BucketOutbox = "outbox" // events awaiting delivery to app servers
	BucketCalls  = "calls"  // call records
)

// Keys in the store's own buckets.
var (
	keySchema  = []byte("schema")  // meta: decimal schema version
	keySN      = []byte("sn")      // meta: the box's serial number
	keyCurrent = []byte("current") // config: the export document, sn omitted
)

// reserved are the buckets every opened file has.
var reserved = []string{BucketMeta, BucketConfig, BucketOutbox, BucketCalls}

var (
	// ErrLocked means another process (another ivrbox on the same data
	// directory) holds the file.
	ErrLocked = errors.New("store: data file is in use by another process")
	// ErrNewerSchema means the file was written by a newer firmware.
	ErrNewerSchema = errors.New("store: data file is from a newer firmware")
	// ErrNotStore means the file is a bbolt file without ivrbox's layout.
	ErrNotStore = errors.New("store: not an ivrbox data file")
	// ErrClosed is returned by writes after Close.
	ErrClosed = errors.New("store: closed")
)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// file before failing with ErrLocked. 0 means 1 s.
	LockTimeout time.Duration
	// Logger receives migration and first-start messages. nil discards them.
	Logger *slog.Logger
	// Rand is the source of the generated serial number. nil means crypto/rand.
	Rand io.Reader
}

// Store is the open data file and the current config. It is safe for
// concurrent use.
type Store struct {
	db  *bbolt.DB
	log *slog.Logger
	sn  string // the box's serial; set by Open, never changed

	writeMu sync.Mutex // serialises Update, Replace, ResetToDefaults and Close

	// cur is the current config, never changed once stored: a commit swaps
	// in a new one (under writeMu). Current hands it out as is.
	cur atomic.Pointer[config.Config]

	mu      sync.RWMutex // guards the fields below
	subs    map[int]chan struct{}
	nextSub int
	closed  bool
}

// Open opens or creates the data file at path (mode 0600), brings it to the
// current schema and loads the config. A fresh file gets the factory defaults
// and a generated 12-digit serial. Errors: ErrLocked, ErrNewerSchema,
// ErrNotStore, a failed migration (the file stays at the last completed
// step), or an unusable stored config.
func Open(path string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	random := opts.Rand
	if random == nil {
		random = rand.Reader
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (is another ivrbox running on this data directory?)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, log: log, subs: make(map[int]chan struct{})}
	if err := s.prepare(random); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return s, nil
}

// prepare initialises or migrates the file and loads the config.
func (s *Store) prepare(random io.Reader) error {
	version, err := schemaOf(s.db)
	if err != nil {
		return err
	}
	if version == 0 {
		if err := initFile(s.db, random); err != nil {
			return err
		}
		s.log.Info("store: new data file with the factory config")
	} else if err := migrate(s.db, steps, config.SchemaVersion, s.log); err != nil {
		return err
	}
	c, err := loadConfig(s.db)
	if err != nil {
		return err
	}
	if err := ensureReserved(s.db, random); err != nil {
		return err
	}
	if s.sn, err = serial(s.db); err != nil {
		return err
	}
	c.System.SN = s.sn
	s.cur.Store(&c)
	return nil
}

// DB is the bbolt database, for packages that keep their own data in their
// reserved bucket (see the Bucket constants). They must not write to
// BucketMeta or BucketConfig, and must not close it.
func (s *Store) DB() *bbolt.DB { return s.db }

// SN is the box's serial number, as reported in API events.
func (s *Store) SN() string { return s.sn }

// Config returns a deep copy of the current config, from memory: the
// caller's own, to edit. Readers that only look should use Current, which
// copies nothing.
func (s *Store) Config() config.Config {
	return s.Current().Clone()
}

// Current returns the current config as a snapshot shared by every caller:
// it is read-only, and the caller must never change it or anything it
// reaches (slices, maps, Pins, Collect). It costs one atomic load, so hot
// paths (per call, per event) may call it freely. A later Update, Replace or
// ResetToDefaults swaps in a new snapshot and leaves this one as it was:
// call Current again for the latest. To edit, use Config or Update.
func (s *Store) Current() *config.Config {
	return s.cur.Load()
}

// Close closes the file, after any write in progress; subscriptions' channels
// are closed. Calling it again returns nil.
func (s *Store) Close() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for id, ch := range s.subs {
		close(ch)
		delete(s.subs, id)
	}
	s.mu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}
