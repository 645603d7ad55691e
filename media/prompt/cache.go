package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/media/prompt/builtin"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxBytes     = 32 << 20 // decoded prompts kept in memory
	DefaultMaxFileBytes = 64 << 20 // largest prompt file read
)

// Options configures a Cache. The zero value is usable: no local folder, the
// built-in prompts, the default limits, and a stat of the file on every Get.
type Options struct {
	// Dir is the local prompt folder (e.g. <data>/prompts), looked up first
	// for relative names and also reachable by its absolute path. Empty means
	// none.
	Dir string
	// Mounts maps absolute prefixes (/tmp/media/networkdisk1) to the Source
	// that serves the names under them. Mount and Unmount change the set later.
	Mounts map[string]Source
	// Builtin holds the prompts looked up last for relative names. Nil means
	// the set embedded in the binary (package builtin); an empty fs (such as
	// fstest.MapFS{}) means none. Built-in prompts stay in memory once loaded.
	Builtin fs.FS
	// MaxBytes is the memory budget for decoded prompts, 4 bytes per sample
	// (PCM, µ-law and A-law); the least recently used are dropped beyond it.
	// Built-in prompts are pinned and not counted. 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxFileBytes is the largest prompt file read. 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// MaxDuration is the longest decoded prompt. 0 means DefaultMaxDuration.
	MaxDuration time.Duration
	// Revalidate is how long a name that was found is trusted before Get looks
	// at its file again. 0 means every Get stats the file, so a changed file
	// is re-read on the very next Get; a few seconds saves the stat calls (and
	// makes a hit allocation-free). Expire ends every such period at once.
	Revalidate time.Duration
	// HTTP enables prompts named by http:// and https:// URLs and configures
	// how they are fetched and kept. Nil means a URL gives ErrURLDisabled.
	HTTP *HTTPOptions
	// Logger receives load and fallback messages. Nil means no logging.
	Logger *slog.Logger
}

// Cache resolves prompt names, decodes each file once and keeps the result in
// memory, keyed by where the file is and its size and modification time, so a
// changed file is decoded again on its next Get. It is safe for concurrent use.
type Cache struct {
	log        *slog.Logger
	maxBytes   int64
	maxFile    int64
	maxDur     time.Duration
	revalidate time.Duration
	now        func() time.Time
	dir        Source // nil: no local folder
	dirAbs     string // absolute slash path of Dir, "" if unknown
	builtin    Source
	http       *httpCache // nil: URLs refused

	mu      sync.Mutex // guards the fields below and every entry's list and name fields
	mounts  map[string]Source
	entries map[key]*entry
	names   map[string]*nameRef // requested name → the entry it resolved to
	lru     entry               // sentinel of the LRU ring; lru.next is the most recent
	stats   Stats
}

// Stats describes what a Cache holds and how it has been used.
type Stats struct {
	Entries      int    // decoded prompts held
	Bytes        int64  // memory they use, counted against MaxBytes
	PinnedBytes  int64  // memory of the built-in prompts held
	Hits, Misses uint64 // Gets served from memory, and files decoded
}

// place names where a file is: "dir", "builtin" or a mount prefix.
type key struct{ place, path string }

// stamp identifies one version of a file.
type stamp struct{ size, mod int64 }

// entry is one decoded file, or one being decoded (ready still open).
type entry struct {
	key    key
	stamp  stamp
	pinned bool
	ready  chan struct{} // closed once audio or err is set
	audio  *Audio
	err    error

	live       bool     // counted in Stats and reachable from names
	prev, next *entry   // LRU ring, unpinned live entries only
	names      []string // names that resolved here
}

// nameRef records what a requested name last resolved to and when.
type nameRef struct {
	e       *entry
	checked time.Time
}

// New returns a Cache configured by opts.
func New(opts Options) *Cache {
	c := &Cache{
		log:        opts.Logger,
		maxBytes:   cmpOr(opts.MaxBytes, DefaultMaxBytes),
		maxFile:    cmpOr(opts.MaxFileBytes, DefaultMaxFileBytes),
		maxDur:     cmpOr(opts.MaxDuration, DefaultMaxDuration),
		revalidate: opts.Revalidate,
		now:        time.Now,
		mounts:     map[string]Source{},
		entries:    map[key]*entry{},
		names:      map[string]*nameRef{},
	}
	c.lru.prev, c.lru.next = &c.lru, &c.lru
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if opts.Dir != "" {
		c.dir = DirSource(opts.Dir)
		if abs, err := filepath.Abs(opts.Dir); err == nil {
			c.dirAbs = filepath.ToSlash(abs)
		}
	}
	fsys := opts.Builtin
	if fsys == nil {
		fsys = builtin.FS
	}
	c.builtin = FSSource(fsys)
	if opts.HTTP != nil {
		c.http = newHTTP(*opts.HTTP, c.log)
	}
	for prefix, src := range opts.Mounts {
		if err := c.Mount(prefix, src); err != nil {
			c.log.Warn("prompt: mount ignored", "prefix", prefix, "err", err)
		}
	}
	return c
}

func cmpOr[T int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Get returns the decoded audio for name (variables already expanded, see
// Expand). A name that is not found anywhere gives an error wrapping
// ErrNotFound, a name that can never be valid ErrBadName, and a file that does
// not decode ErrCorrupt, ErrUnsupported or ErrTooLong. When the place the file
// is on fails (a network disk that is down) Get returns the version it decoded
// before, if any. Concurrent Gets of the same file decode it once. An http://
// or https:// name is fetched as Options.HTTP says (see the package doc).
func (c *Cache) Get(ctx context.Context, name string) (*Audio, error) {
	if IsURL(name) {
		return c.getURL(ctx, name)
	}
	if a := c.fresh(name); a != nil {
		return a, nil
	}
	loc, err := c.locate(ctx, name)
	if err == nil {
		var a *Audio
		if a, err = c.load(ctx, name, loc); err == nil {
			return a, nil
		}
	}
	if a := c.stale(name, err); a != nil {
		return a, nil
	}
	return nil, err
}

// Preload gets every name, so that their first play needs no decoding. It
// returns the errors of the names that failed, joined.
func (c *Cache) Preload(ctx context.Context, names ...string) error {
	var errs []error
	for _, n := range names {
		if _, err := c.Get(ctx, n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Mount makes src serve the names under the absolute prefix (a network disk at
// /tmp/media/networkdisk1), replacing what was mounted there before.
func (c *Cache) Mount(prefix string, src Source) error {
	clean, err := checkName(prefix)
	if err == nil && !strings.HasPrefix(clean, "/") {
		err = fmt.Errorf("%w: mount prefix %q is not absolute", ErrBadName, prefix)
	}
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mounts[clean] = src
	c.dropPlaceLocked(clean)
	return nil
}

// Unmount removes the Source mounted at prefix and forgets what it served.
func (c *Cache) Unmount(prefix string) {
	clean, err := checkName(prefix)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.mounts, clean)
	c.dropPlaceLocked(clean)
}

// Expire makes the next Get of every name look at its file again, even within
// Options.Revalidate (call it after a prompt upload), and of every URL ask its
// server again.
func (c *Cache) Expire() {
	c.mu.Lock()
	for _, r := range c.names {
		r.checked = time.Time{}
	}
	c.mu.Unlock()
	if c.http != nil {
		c.http.expire()
	}
}

// Stats returns what the cache holds and its hit and miss counts.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// fresh returns the audio name resolved to within the revalidation period.
func (c *Cache) fresh(name string) *Audio {
	if c.revalidate <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.names[name]
	if r == nil || !r.e.live || c.now().Sub(r.checked) >= c.revalidate {
		return nil
	}
	c.touchLocked(r.e)
	return r.e.audio
}

// stale returns the audio name resolved to before, when err says the place
// it is on failed rather than that the file is gone or bad.
func (c *Cache) stale(name string, err error) *Audio {
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrBadName) || isFormatErr(err) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.names[name]
	if r == nil || !r.e.live {
		return nil
	}
	c.log.Warn("prompt: serving the copy in memory", "name", name, "file", r.e.audio.Name, "err", err)
	c.touchLocked(r.e)
	return r.e.audio
}

// load returns the decoded file at loc, decoding it unless a Get already did
// or is doing it.
func (c *Cache) load(ctx context.Context, name string, loc location) (*Audio, error) {
	for {
		c.mu.Lock()
		e := c.entries[loc.key]
		if e != nil && e.stamp == loc.stamp {
			a, err, retry := c.waitLocked(ctx, name, loc.msg, e) // unlocks
			if !retry {
				return a, err
			}
			continue
		}
		if e != nil {
			c.removeLocked(e)
		}
		e = &entry{key: loc.key, stamp: loc.stamp, pinned: loc.pinned, ready: make(chan struct{})}
		c.entries[loc.key] = e
		c.stats.Misses++
		c.mu.Unlock()

		a, err := c.decode(ctx, loc)
		if err != nil && loc.msg != "" {
			err = fmt.Errorf("%s: %w", loc.msg, err)
		} else if err != nil {
			err = fmt.Errorf("prompt %q: %s: %w", name, loc.display, err)
		}
		c.mu.Lock()
		e.audio, e.err = a, err
		close(e.ready)
		if c.entries[loc.key] == e {
			if err != nil {
				delete(c.entries, loc.key)
			} else {
				c.addLocked(e)
				c.rememberLocked(name, e)
				c.evictLocked()
			}
		}
		c.mu.Unlock()
		return a, err
	}
}

// waitLocked returns the result of e, waiting for its decoding if needed. It
// is called with c.mu held and returns with it released. retry says the Get
// that was decoding e gave up (its context ended) and this one should try.
// Errors name the prompt by msg, or by name if msg is "".
func (c *Cache) waitLocked(ctx context.Context, name, msg string, e *entry) (a *Audio, err error, retry bool) {
	select {
	case <-e.ready:
	default:
		c.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			if msg != "" {
				return nil, fmt.Errorf("%s: %w", msg, ctx.Err()), false
			}
			return nil, fmt.Errorf("prompt %q: %w", name, ctx.Err()), false
		}
		c.mu.Lock()
	}
	defer c.mu.Unlock()
	if e.err != nil {
		ctxErr := errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded)
		return nil, e.err, ctxErr && ctx.Err() == nil
	}
	if e.live {
		c.touchLocked(e)
		c.rememberLocked(name, e)
	}
	return e.audio, nil, false
}

// decode reads and decodes the file at loc.
func (c *Cache) decode(ctx context.Context, loc location) (*Audio, error) {
	if loc.stamp.size > c.maxFile {
		return nil, fmt.Errorf("%w: the file is %d bytes, the limit is %d", ErrTooLong, loc.stamp.size, c.maxFile)
	}
	start := time.Now()
	rc, err := loc.src.Open(ctx, loc.path)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(rc, c.maxFile+1))
	rc.Close()
	switch {
	case err != nil:
		return nil, err
	case int64(len(data)) > c.maxFile:
		return nil, fmt.Errorf("%w: the file is over %d bytes", ErrTooLong, c.maxFile)
	}
	as := loc.path
	if loc.decodeAs != "" {
		as = loc.decodeAs
	}
	pcm, err := Decode(as, data, c.maxDur)
	if err != nil {
		return nil, err
	}
	a := NewAudio(loc.display, pcm)
	c.log.Debug("prompt: decoded", "file", loc.display, "bytes", len(data),
		"duration", a.Duration(), "took", time.Since(start))
	return a, nil
}
