package prompt

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHTTPFresh(t *testing.T) {
	srv := newPromptServer(t, false)
	srv.set("/hello.wav", toneWAV(500, 200), "Cache-Control", "max-age=60")
	c, clk := newURLCache(t, Options{})
	u := srv.URL + "/hello.wav"
	a := mustGet(t, c, u)
	if a.Name != u || freqOf(t, a) != 500 {
		t.Fatalf("got %s, %v Hz", a.Name, freqOf(t, a))
	}
	clk.Advance(59 * time.Second)
	if b := mustGet(t, c, u); b != a || srv.count() != 1 {
		t.Fatalf("within max-age: same audio %v, %d requests", b == a, srv.count())
	}
	// Stale, no validators: asked again, whole; the same bytes decode to nothing new.
	clk.Advance(2 * time.Second)
	if b := mustGet(t, c, u); b != a || srv.count() != 2 {
		t.Fatalf("after max-age: same audio %v, %d requests", b == a, srv.count())
	}
	if h := srv.req(t, 1); h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
		t.Fatalf("conditional request without validators: %v", h)
	}
	if s := c.Stats(); s.Misses != 1 || s.Entries != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestHTTPRevalidate(t *testing.T) {
	tests := []struct {
		name, header, v1, v2, cond string
	}{
		{"etag", "ETag", `"v1"`, `"v2"`, "If-None-Match"},
		{"last-modified", "Last-Modified", "Fri, 02 Jan 2026 15:04:05 GMT", "Sat, 03 Jan 2026 15:04:05 GMT", "If-Modified-Since"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newPromptServer(t, false)
			srv.set("/p.wav", toneWAV(500, 200), "Cache-Control", "max-age=10", tt.header, tt.v1)
			c, clk := newURLCache(t, Options{HTTP: &HTTPOptions{CacheDir: t.TempDir()}})
			u := srv.URL + "/p.wav"
			a := mustGet(t, c, u)
			clk.Advance(11 * time.Second)
			if b := mustGet(t, c, u); b != a {
				t.Fatal("304 gave new audio")
			}
			if got := srv.req(t, 1).Get(tt.cond); srv.count() != 2 || got != tt.v1 {
				t.Fatalf("%d requests, %s: %q", srv.count(), tt.cond, got)
			}
			clk.Advance(9 * time.Second) // fresh again for 10 s after the 304
			mustGet(t, c, u)
			if srv.count() != 2 {
				t.Fatalf("%d requests within max-age after a 304", srv.count())
			}
			srv.set("/p.wav", toneWAV(700, 200), "Cache-Control", "max-age=10", tt.header, tt.v2)
			clk.Advance(2 * time.Second)
			b := mustGet(t, c, u)
			if b == a || freqOf(t, b) != 700 || srv.req(t, 2).Get(tt.cond) != tt.v1 {
				t.Fatal("new body not decoded")
			}
			if s := c.Stats(); s.Misses != 2 || s.Entries != 1 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

func TestHTTPCacheControl(t *testing.T) {
	tests := []struct {
		name       string
		header     []string
		wantReqs   int  // after three Gets, the clock still
		wantCond   bool // the later requests are conditional
		wantOnDisk bool
	}{
		{"no-store", []string{"Cache-Control", "no-store", "ETag", `"x"`}, 3, false, false},
		{"no-cache", []string{"Cache-Control", "no-cache", "ETag", `"x"`}, 3, true, true},
		{"pragma", []string{"Pragma", "no-cache", "ETag", `"x"`}, 3, true, true},
		{"max-age", []string{"Cache-Control", "public, max-age=60"}, 1, false, true},
		{"default", nil, 1, false, true},
		{"expired", []string{"Expires", "Thu, 01 Jan 1970 00:00:00 GMT", "Last-Modified", "Fri, 02 Jan 2026 15:04:05 GMT"}, 3, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newPromptServer(t, false)
			srv.set("/p.wav", toneWAV(500, 200), tt.header...)
			dir := t.TempDir()
			c, _ := newURLCache(t, Options{HTTP: &HTTPOptions{CacheDir: dir}})
			u := srv.URL + "/p.wav"
			a := mustGet(t, c, u)
			for range 2 {
				if b := mustGet(t, c, u); b != a {
					t.Fatal("the same bytes decoded again")
				}
			}
			if srv.count() != tt.wantReqs {
				t.Fatalf("%d requests, want %d", srv.count(), tt.wantReqs)
			}
			if tt.wantReqs > 1 {
				h := srv.req(t, 2)
				if cond := h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != ""; cond != tt.wantCond {
					t.Fatalf("conditional %v, want %v", cond, tt.wantCond)
				}
			}
			if on := len(cacheFiles(t, dir)) == 1; on != tt.wantOnDisk {
				t.Fatalf("on disk %v, want %v", on, tt.wantOnDisk)
			}
		})
	}
}

func TestHTTPDefaultMaxAge(t *testing.T) {
	srv := newPromptServer(t, false)
	srv.set("/p.wav", toneWAV(500, 200))
	c, clk := newURLCache(t, Options{})
	u := srv.URL + "/p.wav"
	mustGet(t, c, u)
	clk.Advance(DefaultHTTPMaxAge - time.Second)
	mustGet(t, c, u)
	if srv.count() != 1 {
		t.Fatalf("%d requests within the default max-age", srv.count())
	}
	clk.Advance(time.Second)
	mustGet(t, c, u)
	if srv.count() != 2 {
		t.Fatalf("%d requests after the default max-age", srv.count())
	}
}

func TestHTTPExpire(t *testing.T) {
	srv := newPromptServer(t, false)
	srv.set("/p.wav", toneWAV(500, 200), "Cache-Control", "max-age=3600", "ETag", `"v1"`)
	c, _ := newURLCache(t, Options{})
	u := srv.URL + "/p.wav"
	a := mustGet(t, c, u)
	c.Expire()
	if b := mustGet(t, c, u); b != a || srv.count() != 2 || srv.req(t, 1).Get("If-None-Match") != `"v1"` {
		t.Fatalf("after Expire: %d requests", srv.count())
	}
}

func TestHTTPStaleIfError(t *testing.T) {
	srv := newPromptServer(t, false)
	srv.set("/p.wav", toneWAV(500, 200), "Cache-Control", "max-age=10", "ETag", `"v1"`)
	var logs logBuffer
	c, clk := newURLCache(t, Options{Logger: logs.logger(), HTTP: &HTTPOptions{CacheDir: t.TempDir()}})
	u := srv.URL + "/p.wav?token=s3cret"
	a := mustGet(t, c, u)

	srv.setStatus("/p.wav", http.StatusServiceUnavailable)
	clk.Advance(11 * time.Second)
	if b := mustGet(t, c, u); b != a {
		t.Fatal("copy not served on 503")
	}
	clk.Advance(staleRetry - time.Second)
	mustGet(t, c, u)
	if srv.count() != 2 {
		t.Fatalf("%d requests: server retried within %v", srv.count(), staleRetry)
	}
	clk.Advance(time.Second)
	mustGet(t, c, u)
	if srv.count() != 3 {
		t.Fatalf("%d requests: server not retried after %v", srv.count(), staleRetry)
	}

	srv.Close() // down: connection refused
	clk.Advance(staleRetry)
	if b := mustGet(t, c, u); b != a {
		t.Fatal("copy not served with the server down")
	}
	if n := logs.count("server failed"); n != 1 {
		t.Fatalf("failure logged %d times, want once:\n%s", n, logs.String())
	}
	_, err := c.Get(context.Background(), srv.URL+"/other.wav?token=s3cret")
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("no copy, server down: %v", err)
	}
	if strings.Contains(logs.String()+err.Error(), "s3cret") {
		t.Fatalf("query string logged:\n%s\n%v", logs.String(), err)
	}
}

func TestHTTPGone(t *testing.T) {
	srv := newPromptServer(t, false)
	srv.set("/p.wav", toneWAV(500, 200), "Cache-Control", "max-age=10", "ETag", `"v1"`)
	dir := t.TempDir()
	c, clk := newURLCache(t, Options{HTTP: &HTTPOptions{CacheDir: dir}})
	u := srv.URL + "/p.wav"
	mustGet(t, c, u)
	srv.remove("/p.wav")
	clk.Advance(11 * time.Second)
	_, err := c.Get(context.Background(), u)
	var se *StatusError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &se) || se.Code != 404 {
		t.Fatalf("deleted on the server: %v", err)
	}
	if f := cacheFiles(t, dir); len(f) != 0 {
		t.Fatalf("copy of a deleted URL kept: %v", f)
	}
	if s := c.Stats(); s.Entries != 0 {
		t.Fatalf("audio of a deleted URL kept: %+v", s)
	}
}

func TestHTTPRestart(t *testing.T) {
	srv := newPromptServer(t, false)
	srv.set("/p.wav", toneWAV(500, 200), "Cache-Control", "max-age=3600", "ETag", `"v1"`)
	dir := t.TempDir()
	u := srv.URL + "/p.wav"
	c1, _ := newURLCache(t, Options{HTTP: &HTTPOptions{CacheDir: dir}})
	mustGet(t, c1, u)

	c2, _ := newURLCache(t, Options{HTTP: &HTTPOptions{CacheDir: dir}})
	a := mustGet(t, c2, u)
	if freqOf(t, a) != 500 || srv.count() != 2 || srv.req(t, 1).Get("If-None-Match") != `"v1"` {
		t.Fatalf("after a restart: %d requests, not conditional", srv.count())
	}
	if s := c2.Stats(); s.Misses != 1 {
		t.Fatalf("stats %+v", s)
	}
	mustGet(t, c2, u)
	if srv.count() != 2 {
		t.Fatal("not fresh after the 304")
	}

	srv.Close()
	c3, _ := newURLCache(t, Options{HTTP: &HTTPOptions{CacheDir: dir}})
	if a := mustGet(t, c3, u); freqOf(t, a) != 500 {
		t.Fatal("disk copy not played with the server down")
	}
}

func TestHTTPDiskBudget(t *testing.T) {
	srv := newPromptServer(t, false)
	for _, p := range []string{"/a.wav", "/b.wav", "/c.wav"} {
		srv.set(p, toneWAV(500, 200), "Cache-Control", "max-age=3600", "ETag", `"v1"`) // 3244 bytes
	}
	dir := t.TempDir()
	opts := Options{MaxBytes: 1, HTTP: &HTTPOptions{CacheDir: dir, MaxDiskBytes: 8000}} // room for two
	c, clk := newURLCache(t, opts)
	for _, p := range []string{"/a.wav", "/b.wav", "/c.wav"} {
		mustGet(t, c, srv.URL+p)
		clk.Advance(time.Second)
	}
	files := cacheFiles(t, dir)
	if len(files) != 2 || strings.Contains(strings.Join(files, " "), fileName(srv.URL+"/a.wav")) {
		t.Fatalf("files %v, want b and c", files)
	}
	// Nothing stays decoded (MaxBytes 1): b plays from disk, a is fetched again whole.
	mustGet(t, c, srv.URL+"/b.wav")
	if srv.count() != 3 {
		t.Fatalf("%d requests, b not played from disk", srv.count())
	}
	if a := mustGet(t, c, srv.URL+"/a.wav"); freqOf(t, a) != 500 || srv.count() != 4 || srv.req(t, 3).Get("If-None-Match") != "" {
		t.Fatalf("%d requests, a not fetched again whole", srv.count())
	}
	if files := cacheFiles(t, dir); len(files) != 2 {
		t.Fatalf("files %v", files)
	}
}

func TestHTTPCorruptNotDecodedAgain(t *testing.T) {
	srv := newPromptServer(t, false)
	srv.set("/bad.wav", []byte("RIFF\x04\x00\x00\x00WAVE"), "Cache-Control", "max-age=60")
	c, clk := newURLCache(t, Options{})
	u := srv.URL + "/bad.wav"
	for range 2 {
		if _, err := c.Get(context.Background(), u); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("corrupt body: %v", err)
		}
	}
	if s := c.Stats(); s.Misses != 1 || srv.count() != 1 {
		t.Fatalf("decoded %d times, %d requests", s.Misses, srv.count())
	}
	srv.set("/bad.wav", toneWAV(500, 200))
	clk.Advance(time.Minute)
	if a := mustGet(t, c, u); freqOf(t, a) != 500 {
		t.Fatal("repaired body not played")
	}
}

func TestHTTPDiskCopyDamaged(t *testing.T) {
	srv := newPromptServer(t, false)
	srv.set("/p.wav", toneWAV(500, 200), "ETag", `"v1"`)
	dir := t.TempDir()
	u := srv.URL + "/p.wav"
	c1, _ := newURLCache(t, Options{HTTP: &HTTPOptions{CacheDir: dir}})
	mustGet(t, c1, u)
	p := filepath.Join(dir, fileName(u))
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, fi.Size()-100); err != nil {
		t.Fatal(err)
	}
	c2, _ := newURLCache(t, Options{HTTP: &HTTPOptions{CacheDir: dir}})
	if a := mustGet(t, c2, u); freqOf(t, a) != 500 || srv.count() != 2 || srv.req(t, 1).Get("If-None-Match") != "" {
		t.Fatalf("damaged copy: %d requests, want a second one, whole", srv.count())
	}
	if fi2, err := os.Stat(p); err != nil || fi2.Size() != fi.Size() {
		t.Fatalf("copy not written again: %v", err)
	}
}
