package prompt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// fetch asks the server for r: conditionally when a copy of the version known
// is still at hand (on disk, or decoded in memory), and serving that copy when
// the server is unreachable, too slow or answers 5xx.
func (h *httpCache) fetch(ctx context.Context, c *Cache, r *resource, u *url.URL) (version, error) {
	h.mu.Lock()
	m, have, onDisk := r.m, r.have, h.onDiskLocked(r.file)
	h.mu.Unlock()
	if !have && h.dir != "" { // a copy from before a restart?
		m, have, onDisk = h.fromDisk(r)
	}
	copyOK := have && !m.noStore && (onDisk || c.holds(key{placeURL, r.url}, m.stamp()))
	var cond *meta
	if copyOK && (m.ETag != "" || m.LastModified != "") {
		cond = &m
	}
	start, t0 := h.now(), time.Now()
	resp, err := h.do(ctx, r.url, cond)
	switch {
	case err == nil:
	case copyOK && ctx.Err() == nil && staleOK(err):
		return h.serveStale(r, m, start, err), nil
	case errors.Is(err, ErrNotFound):
		h.gone(c, r)
		return version{}, fmt.Errorf("%s: %w", r.msg, err)
	default:
		return version{}, fmt.Errorf("%s: %w", r.msg, err)
	}
	life, noStore := lifetime(resp.header, start, h.defaultLife)
	expires := start.Add(life)
	if noStore {
		expires = time.Time{}
	}
	h.log.Debug("prompt: fetched", "url", r.short, "not_modified", resp.notModified,
		"bytes", len(resp.body), "fresh_for", life, "took", time.Since(t0))
	if resp.notModified {
		return h.notModified(r, m, resp.header, expires), nil
	}
	return h.fetched(r, u, resp, expires, noStore)
}

// serveStale records that r's server failed with err and returns the copy
// kept of version m, which is used for staleRetry before the server is tried
// again. The failure is logged once until the server answers again.
func (h *httpCache) serveStale(r *resource, m meta, start time.Time, err error) version {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.m, r.have = m, true
	r.expires = start.Add(staleRetry)
	if !r.warned {
		r.warned = true
		h.log.Warn("prompt: server failed, playing the copy kept", "url", r.short, "err", err)
	}
	return h.versionLocked(r, m, nil)
}

// notModified records a 304 to the conditional request for version m of r.
func (h *httpCache) notModified(r *resource, m meta, hdr http.Header, expires time.Time) version {
	if et := hdr.Get("ETag"); et != "" {
		m.ETag = et
	}
	if lm := hdr.Get("Last-Modified"); lm != "" {
		m.LastModified = lm
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	r.m, r.have, r.warned, r.expires = m, true, false, expires
	h.touchFileLocked(r.file)
	return h.versionLocked(r, m, nil)
}

// fetched records a 200 for r and keeps its body on disk unless the server
// said no-store or there is no cache folder.
func (h *httpCache) fetched(r *resource, u *url.URL, resp *response, expires time.Time, noStore bool) (version, error) {
	ct := resp.header.Get("Content-Type")
	ext, err := audioExt(u, resp.final, ct, resp.body)
	if err != nil {
		return version{}, fmt.Errorf("%s: %w", r.msg, err)
	}
	m := meta{
		URL:          r.url,
		ETag:         resp.header.Get("ETag"),
		LastModified: resp.header.Get("Last-Modified"),
		ContentType:  ct,
		Ext:          ext,
		Size:         int64(len(resp.body)),
		Sum:          bodySum(resp.body),
		noStore:      noStore,
	}
	if !noStore && h.dir != "" {
		if err := h.writeFile(r.file, m, resp.body); err != nil {
			h.log.Warn("prompt: cannot keep a copy of a URL prompt", "url", r.short, "err", err)
			noStore = true // and the copy of the version before is stale
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if noStore || h.dir == "" {
		h.dropFileLocked(r.file)
	}
	r.m, r.have, r.warned, r.expires = m, true, false, expires
	return h.versionLocked(r, m, resp.body), nil
}

// gone forgets r and its copies after a 404 or 410.
func (h *httpCache) gone(c *Cache, r *resource) {
	h.mu.Lock()
	h.dropFileLocked(r.file)
	r.have, r.expires = false, time.Time{}
	if h.res[r.url] == r {
		delete(h.res, r.url)
	}
	h.mu.Unlock()
	c.forget(key{placeURL, r.url})
}
