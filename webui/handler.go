package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
)

//go:embed static
var static embed.FS

// CSP is the Content-Security-Policy of every response: scripts, styles,
// audio and API calls from this origin only; no inline code, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Cache lifetimes: the page itself is revalidated on every load (ETag); the
// assets it names carry their content hash (?v=) and are cached for a year.
const (
	cachePage  = "no-cache"
	cacheAsset = "public, max-age=31536000, immutable"
)

// asset is one embedded file, ready to serve.
type asset struct {
	body  []byte
	gz    []byte // gzip of body; nil when it would not be smaller
	ctype string
	hash  string // first 16 hex digits of the SHA-256 of body
}

// contentTypes maps the extensions the page uses to their types (not the
// system's MIME tables, so every box answers the same).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// handler serves the embedded files.
type handler struct {
	assets map[string]*asset // by URL path; "/" is index.html
}

// load prepares the embedded files once.
var load = sync.OnceValues(func() (*handler, error) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, fmt.Errorf("webui: %w", err)
	}
	return newHandler(sub)
})

// Handler returns the handler of the web page. Mount it at "/" next to the
// admin API: it answers GET and HEAD for "/" (the page), "/index.html" and
// the page's assets, and 404 for anything else. Should the embedded files be
// unusable (a build mistake the tests catch), it answers 500 with the reason.
func Handler() http.Handler {
	h, err := load()
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		})
	}
	return h
}

// Assets returns the URL paths served and their sizes in bytes
// (uncompressed), for size checks and diagnostics; nil if the embedded files
// are unusable.
func Assets() map[string]int {
	h, err := load()
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for p, a := range h.assets {
		out[p] = len(a.body)
	}
	return out
}

// refRE finds the asset references in index.html that get a content hash.
var refRE = regexp.MustCompile(`(src|href)="([a-z0-9_.-]+)"`)

// newHandler prepares every file of fsys: the assets first, then index.html
// with its references rewritten to name each asset's hash.
func newHandler(fsys fs.FS) (*handler, error) {
	h := &handler{assets: map[string]*asset{}}
	var index []byte
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if p == "index.html" {
			index = b
			return nil
		}
		a, err := newAsset(p, b)
		if err != nil {
			return err
		}
		h.assets["/"+p] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webui: %w", err)
	}
	if index == nil {
		return nil, fmt.Errorf("webui: no index.html")
	}
	index = refRE.ReplaceAllFunc(index, func(m []byte) []byte {
		sub := refRE.FindSubmatch(m)
		a, ok := h.assets["/"+string(sub[2])]
		if !ok {
			return m
		}
		return fmt.Appendf(nil, `%s="%s?v=%s"`, sub[1], sub[2], a.hash)
	})
	if h.assets["/"], err = newAsset("index.html", index); err != nil {
		return nil, err
	}
	return h, nil
}

func newAsset(name string, b []byte) (*asset, error) {
	ct, ok := contentTypes[path.Ext(name)]
	if !ok {
		return nil, fmt.Errorf("webui: %s: no content type for this extension", name)
	}
	sum := sha256.Sum256(b)
	a := &asset{body: b, ctype: ct, hash: hex.EncodeToString(sum[:8])}
	if ct != "image/png" {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if buf.Len() < len(b)*9/10 {
			a.gz = buf.Bytes()
		}
	}
	return a, nil
}

// ServeHTTP serves one embedded file with its security and cache headers.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if p == "/index.html" {
		p = "/"
	}
	a, ok := h.assets[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case p == "/":
		hd.Set("Cache-Control", cachePage)
	case r.URL.Query().Get("v") == a.hash:
		hd.Set("Cache-Control", cacheAsset)
	default:
		hd.Set("Cache-Control", cachePage)
	}
	body, etag := a.body, `"`+a.hash+`"`
	if a.gz != nil {
		hd.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body, etag = a.gz, `"`+a.hash+`-gz"`
			hd.Set("Content-Encoding", "gzip")
		}
	}
	hd.Set("Content-Type", a.ctype)
	hd.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
