package prompt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// placeURL labels the cache entries of URL prompts (mount labels start with
// '/', so it never clashes with one).
const placeURL = "url"

// maxResources bounds how many URLs the HTTP state remembers; the least
// recently used beyond it are forgotten (their disk copies stay).
const maxResources = 4096

// httpCache fetches, revalidates and keeps on disk the prompts named by URL.
// The decoded audio lives in the Cache's LRU like every other prompt.
type httpCache struct {
	log         *slog.Logger
	client      *http.Client
	now         func() time.Time
	maxBytes    int64
	timeout     time.Duration
	defaultLife time.Duration
	dir         string // "" (or made "" by scanDisk when unusable): no disk copies
	diskBudget  int64
	scan        sync.Once
	onWait      func() // test hook: a Get starts waiting for another's fetch

	mu        sync.Mutex // guards the fields below and every resource
	res       map[string]*resource
	files     map[string]diskFile
	diskBytes int64
}

// resource is what is known about one URL (canonical form).
type resource struct {
	url, short, file string
	msg              string    // how errors name it: prompt "short"
	m                meta      // the version last fetched, if have
	have             bool      // m describes a version (on disk or decoded in memory)
	expires          time.Time // fresh until then; zero: stale
	used             time.Time
	bad              error // the decoding error of version badStamp, if any
	badStamp         stamp
	warned           bool    // the server failure being ridden out was logged
	flight           *flight // the fetch in progress, if any
}

// flight is one fetch of a URL that concurrent Gets wait for.
type flight struct {
	done      chan struct{}
	v         version
	err       error
	abandoned bool // the fetching Get's context ended: waiters try again
}

// version is where a Get finds the audio of a URL.
type version struct {
	loc location
	bad error // the version is known not to decode
}

func newHTTP(o HTTPOptions, log *slog.Logger) *httpCache {
	maxRedirects := o.MaxRedirects
	switch {
	case maxRedirects == 0:
		maxRedirects = DefaultHTTPMaxRedirects
	case maxRedirects < 0:
		maxRedirects = 0
	}
	h := &httpCache{
		log:         log,
		client:      newClient(o.Transport, maxRedirects),
		now:         o.Now,
		maxBytes:    cmpOr(o.MaxBytes, DefaultHTTPMaxBytes),
		timeout:     cmpOr(o.Timeout, DefaultHTTPTimeout),
		defaultLife: cmpOr(o.DefaultMaxAge, DefaultHTTPMaxAge),
		dir:         o.CacheDir,
		diskBudget:  cmpOr(o.MaxDiskBytes, DefaultHTTPDiskBytes),
		res:         map[string]*resource{},
		files:       map[string]diskFile{},
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

// getURL is Get for a name that is a URL.
func (c *Cache) getURL(ctx context.Context, name string) (*Audio, error) {
	u, err := checkURL(name)
	if err != nil {
		return nil, fmt.Errorf("prompt %q: %w", shortURL(name), err)
	}
	h := c.http
	if h == nil {
		return nil, fmt.Errorf("prompt %q: %w", shortURL(name), ErrURLDisabled)
	}
	h.scan.Do(h.scanDisk)
	force := false
	for {
		v, r, err := h.version(ctx, c, u, force)
		if err != nil {
			return nil, err
		}
		if v.bad != nil {
			return nil, v.bad
		}
		a, err := c.load(ctx, r.url, v.loc) // errors name it by v.loc.msg
		switch {
		case err == nil:
			return a, nil
		case errors.Is(err, errNoBody) && !force: // the copy went away: fetch it whole
			h.lost(r, v.loc.stamp)
			force = true
			continue
		case isFormatErr(err):
			h.markBad(r, v.loc.stamp, err)
		}
		return nil, err
	}
}

// version returns the version of u to play: the one known while it is fresh
// (unless force), else the result of a fetch, shared with concurrent Gets.
func (h *httpCache) version(ctx context.Context, c *Cache, u *url.URL, force bool) (version, *resource, error) {
	k := u.String()
	h.mu.Lock()
	for {
		r := h.resourceLocked(k) // again after a wait: a 404 may have dropped it
		now := h.now()
		r.used = now
		if f := r.flight; f != nil {
			h.mu.Unlock()
			if h.onWait != nil {
				h.onWait()
			}
			select {
			case <-f.done:
			case <-ctx.Done():
				return version{}, r, fmt.Errorf("%s: %w", r.msg, ctx.Err())
			}
			if !f.abandoned || ctx.Err() != nil {
				return f.v, r, f.err
			}
			h.mu.Lock()
			continue
		}
		if !force && r.have && now.Before(r.expires) {
			v := h.versionLocked(r, r.m, nil)
			h.mu.Unlock()
			return v, r, nil
		}
		f := &flight{done: make(chan struct{})}
		r.flight = f
		h.mu.Unlock()
		h.fly(ctx, c, r, u, f)
		return f.v, r, f.err
	}
}

// fly runs the fetch f of r and hands its result to the Gets waiting for it.
func (h *httpCache) fly(ctx context.Context, c *Cache, r *resource, u *url.URL, f *flight) {
	defer func() { // also if fetch panicked: waiters must never hang
		h.mu.Lock()
		r.flight = nil
		h.mu.Unlock()
		close(f.done)
	}()
	f.err = fmt.Errorf("%s: the fetch failed", r.msg) // unless fetch returns
	f.v, f.err = h.fetch(ctx, c, r, u)
	f.abandoned = f.err != nil && ctx.Err() != nil
}

// resourceLocked returns the resource of the canonical URL u, made if new.
func (h *httpCache) resourceLocked(u string) *resource {
	if r := h.res[u]; r != nil {
		return r
	}
	if len(h.res) >= maxResources {
		h.pruneLocked()
	}
	short := shortURL(u)
	r := &resource{url: u, short: short, file: fileName(u), msg: fmt.Sprintf("prompt %q", short)}
	h.res[u] = r
	return r
}

// pruneLocked forgets the least recently used quarter of the resources not
// being fetched.
func (h *httpCache) pruneLocked() {
	idle := make([]*resource, 0, len(h.res))
	for _, r := range h.res {
		if r.flight == nil {
			idle = append(idle, r)
		}
	}
	slices.SortFunc(idle, func(a, b *resource) int { return a.used.Compare(b.used) })
	for _, r := range idle[:len(idle)/4] {
		delete(h.res, r.url)
	}
}

// versionLocked returns where the version m of r is: body when just
// fetched, else the disk copy, else only the decoded audio in memory.
func (h *httpCache) versionLocked(r *resource, m meta, body []byte) version {
	loc := location{
		key:      key{placeURL, r.url},
		path:     r.file,
		display:  r.short,
		stamp:    m.stamp(),
		decodeAs: "url" + m.Ext,
		msg:      r.msg,
	}
	switch {
	case body != nil:
		loc.src = memSource(body)
	case h.onDiskLocked(r.file):
		loc.src = diskSource{h}
	default:
		loc.src = goneSource{}
	}
	v := version{loc: loc}
	if r.bad != nil && r.badStamp == m.stamp() {
		v.bad = r.bad
	}
	return v
}

// lost records that the copy of version s of r is gone.
func (h *httpCache) lost(r *resource, s stamp) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.m.stamp() == s {
		r.have = false
		h.dropFileLocked(r.file)
	}
}

// markBad records that version s of r does not decode, so that it is not
// decoded again while it is fresh.
func (h *httpCache) markBad(r *resource, s stamp, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.bad, r.badStamp = err, s
}

// expire makes every URL stale, so its next Get revalidates it.
func (h *httpCache) expire() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.res {
		r.expires = time.Time{}
	}
}

// holds reports whether the Cache holds the decoded version s of the entry k.
func (c *Cache) holds(k key, s stamp) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[k]
	return e != nil && e.live && e.stamp == s
}

// forget drops the decoded entry k (a URL that is gone).
func (c *Cache) forget(k key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[k]; e != nil {
		c.removeLocked(e)
	}
}
