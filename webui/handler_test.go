package webui

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// pageBudget is the most JS+CSS the page may weigh, uncompressed: a Pi Zero
// serves it and a phone parses it (about a third of it gzipped). Raised from
// 168 KiB for the admin diagnostics (dashboard, logs, call trace, phones) and
// the Chinese and English texts of every message code of the API.
const pageBudget = 288 << 10

func get(t *testing.T, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, req)
	return w.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServe(t *testing.T) {
	for _, tc := range []struct {
		path, ctype string
		code        int
	}{
		{"/", "text/html; charset=utf-8", 200},
		{"/index.html", "text/html; charset=utf-8", 200},
		{"/core.js", "text/javascript; charset=utf-8", 200},
		{"/app.css", "text/css; charset=utf-8", 200},
		{"/favicon.svg", "image/svg+xml", 200},
		{"/nope.js", "text/plain; charset=utf-8", 404},
		{"/api/admin/status", "text/plain; charset=utf-8", 404},
		{"/static/core.js", "text/plain; charset=utf-8", 404},
		{"/../handler.go", "text/plain; charset=utf-8", 404},
	} {
		r := get(t, tc.path)
		if r.StatusCode != tc.code || r.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, r.StatusCode, r.Header.Get("Content-Type"), tc.code, tc.ctype)
		}
		if csp := r.Header.Get("Content-Security-Policy"); csp != CSP {
			t.Errorf("GET %s: CSP %q", tc.path, csp)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", tc.path)
		}
	}
}

func TestMethods(t *testing.T) {
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		w := httptest.NewRecorder()
		Handler().ServeHTTP(w, httptest.NewRequest(m, "/", strings.NewReader("x")))
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /: %d, Allow %q", m, w.Code, w.Header().Get("Allow"))
		}
	}
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, httptest.NewRequest(http.MethodHead, "/core.js", nil))
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, %d bytes, length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestCSPIsStrict(t *testing.T) {
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*", "http:", "https:", "data: 'self'; script"} {
		if strings.Contains(CSP, bad) {
			t.Errorf("CSP allows %q", bad)
		}
	}
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(CSP, want) {
			t.Errorf("CSP lacks %q", want)
		}
	}
}

// TestIndexNamesHashedAssets: every asset index.html names carries its
// content hash, is served with a long cache life under that name, and only
// revalidated under another.
func TestIndexNamesHashedAssets(t *testing.T) {
	page := body(t, get(t, "/"))
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 5 {
		t.Fatalf("index names %d assets", len(refs))
	}
	for _, m := range refs {
		ref := m[1]
		name, v, ok := strings.Cut(ref, "?v=")
		if !ok || len(v) != 16 {
			t.Errorf("%s: no content hash", ref)
			continue
		}
		r := get(t, "/"+ref)
		if r.StatusCode != 200 || r.Header.Get("Cache-Control") != cacheAsset {
			t.Errorf("%s: %d, Cache-Control %q", ref, r.StatusCode, r.Header.Get("Cache-Control"))
		}
		if r := get(t, "/"+name+"?v=old"); r.Header.Get("Cache-Control") != cachePage {
			t.Errorf("%s with a stale hash: Cache-Control %q", name, r.Header.Get("Cache-Control"))
		}
	}
	if r := get(t, "/"); r.Header.Get("Cache-Control") != cachePage {
		t.Errorf("index: Cache-Control %q", r.Header.Get("Cache-Control"))
	}
}

func TestETag(t *testing.T) {
	r := get(t, "/core.js")
	etag := r.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if r := get(t, "/core.js", "If-None-Match", etag); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", r.StatusCode)
	}
	if r := get(t, "/core.js", "If-None-Match", `"other"`); r.StatusCode != 200 {
		t.Errorf("If-None-Match other: %d, want 200", r.StatusCode)
	}
}

func TestGzip(t *testing.T) {
	plain := body(t, get(t, "/core.js"))
	r := get(t, "/core.js", "Accept-Encoding", "br, gzip")
	if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("Content-Encoding %q, Vary %q", r.Header.Get("Content-Encoding"), r.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	if err != nil || string(unz) != plain {
		t.Fatalf("gzip body differs (%v)", err)
	}
	if r := get(t, "/core.js", "Accept-Encoding", "gzip;q=0"); r.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent though refused")
	}
}

func TestAcceptsGzip(t *testing.T) {
	for ae, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "deflate, gzip;q=1.0": true, "gzip;q=0": false,
		"gzip; q=0.0": false, "br": false, "x-gzip": false, "gzip;q=0.5": true,
	} {
		if got := acceptsGzip(ae); got != want {
			t.Errorf("acceptsGzip(%q) = %v", ae, got)
		}
	}
}

func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "br, gzip;q=0.5", ",,;", "gzip;q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ae string) {
		if acceptsGzip(ae) && !strings.Contains(strings.ToLower(ae), "gzip") {
			t.Fatalf("gzip accepted from %q", ae)
		}
	})
}

// external matches code that would load or call another origin.
var external = regexp.MustCompile(`(?:src|href|url|fetch|EventSource|open)\s*[:=(,]\s*['"]?(?:https?:)?//`)

// TestNoInlineCode: the CSP forbids inline script and style, so the files
// must not rely on them; and nothing may come from another origin.
func TestNoInlineCode(t *testing.T) {
	page := body(t, get(t, "/"))
	if regexp.MustCompile(`<script(\s[^>]*)?>[^<]`).MatchString(page) || strings.Contains(page, "<style") ||
		strings.Contains(page, " style=") || strings.Contains(page, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(page) {
		t.Error("index.html has inline script, style or event handlers")
	}
	sub, _ := fs.Sub(static, "static")
	_ = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(sub, p)
		for _, bad := range []string{"//cdn", "innerHTML", "outerHTML", "eval(", "new Function", "document.write", "@import", "url(http"} {
			if bytes.Contains(b, []byte(bad)) {
				t.Errorf("%s contains %q", p, bad)
			}
		}
		if m := external.Find(b); m != nil {
			t.Errorf("%s loads from another origin: %s", p, m)
		}
		return nil
	})
}

func TestPageWeight(t *testing.T) {
	total, gz := 0, 0
	h, err := load()
	if err != nil {
		t.Fatal(err)
	}
	for p, a := range h.assets {
		if strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") {
			total += len(a.body)
			gz += len(a.gz)
		}
	}
	t.Logf("JS+CSS: %d bytes, %d gzipped", total, gz)
	if total > pageBudget {
		t.Errorf("JS+CSS weigh %d bytes, the budget is %d", total, pageBudget)
	}
	if len(Assets()) != len(h.assets) {
		t.Error("Assets() lists another set")
	}
}

func TestNewHandlerErrors(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no index":     {"a.js": {Data: []byte("x")}},
		"unknown type": {"index.html": {Data: []byte("x")}, "a.exe": {Data: []byte("x")}},
	} {
		if _, err := newHandler(fsys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	h, err := newHandler(fstest.MapFS{"index.html": {Data: []byte(`<script src="a.js"></script><a href="b.js">`)},
		"a.js": {Data: []byte("1")}})
	if err != nil {
		t.Fatal(err)
	}
	if page := string(h.assets["/"].body); !strings.Contains(page, `src="a.js?v=`) || !strings.Contains(page, `href="b.js"`) {
		t.Errorf("rewritten index: %s", page)
	}
}

// TestTranslations: both languages have the same keys, and every key the
// page's code names exists.
func TestTranslations(t *testing.T) {
	src, err := fs.ReadFile(static, "static/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	en, zh, ok := strings.Cut(string(src), "\n  zh: {")
	if !ok {
		t.Fatal("no zh dictionary")
	}
	keyRE := regexp.MustCompile(`(?:^|[{,]\s*)'?([a-zA-Z][\w.]*)'?: '`)
	keys := func(s string) []string {
		var out []string
		for _, line := range strings.Split(s, "\n") {
			for _, m := range keyRE.FindAllStringSubmatch(strings.TrimSpace(line), -1) {
				out = append(out, m[1])
			}
		}
		slices.Sort(out)
		return out
	}
	ke, kz := keys(en), keys(zh)
	if len(ke) < 100 || !slices.Equal(ke, kz) {
		t.Fatalf("en has %d keys, zh %d; they differ: %v", len(ke), len(kz), symDiff(ke, kz))
	}
	useRE := regexp.MustCompile(`\bt\('([\w.]+)'|thead\(\[([^\]]*)\]|emptyRow\(\d+, '([\w.]+)'|stat\('([\w.]+)'`)
	sub, _ := fs.Sub(static, "static")
	files, _ := fs.Glob(sub, "*.js")
	for _, f := range files {
		b, _ := fs.ReadFile(sub, f)
		for _, m := range useRE.FindAllStringSubmatch(string(b), -1) {
			var used []string
			for _, k := range regexp.MustCompile(`'([\w.]+)[|']`).FindAllStringSubmatch(m[2], -1) {
				used = append(used, k[1])
			}
			used = append(used, m[1], m[3], m[4])
			for _, k := range used {
				if k != "" && !strings.HasSuffix(k, ".") && !slices.Contains(ke, k) {
					t.Errorf("%s uses %q, which has no translation", f, k)
				}
			}
		}
	}
}

func symDiff(a, b []string) []string {
	var out []string
	for _, k := range a {
		if !slices.Contains(b, k) {
			out = append(out, "en:"+k)
		}
	}
	for _, k := range b {
		if !slices.Contains(a, k) {
			out = append(out, "zh:"+k)
		}
	}
	return out
}

// scriptCodes are the admin API's message codes the page never provokes
// (malformed requests only a script can send): they need no translation.
var scriptCodes = []string{"auth.bad_header", "body.trailing_data", "command.join_refused", "command.kind_unknown", "command.ms_range",
	"command.tag_too_long", "control.too_many", "endpoint.unknown", "endpoint.unknown_disk_file", "query.format", "query.level",
	"query.not_bool", "query.not_int", "query.not_time", "query.not_time_or_date", "upload.field_too_long", "upload.not_multipart",
	"upload.too_many_fields", "upload.wrong_field"}

// TestCodesTranslated: every message code in the admin API's table
// (docs/API-ADMIN.md, "Message codes") has the page's words (code.<code>),
// in both languages by TestTranslations, unless only a script can cause it.
func TestCodesTranslated(t *testing.T) {
	doc, err := os.ReadFile("../docs/API-ADMIN.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "\n## Message codes")
	if !ok {
		t.Fatal("docs/API-ADMIN.md has no Message codes section")
	}
	src, err := fs.ReadFile(static, "static/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_.-]+)`").FindAllStringSubmatch(table, -1) {
		n++
		if !slices.Contains(scriptCodes, m[1]) && !strings.Contains(string(src), "'code."+m[1]+"'") {
			t.Errorf("code %s has no translation on the page (i18n.js: 'code.%s')", m[1], m[1])
		}
	}
	if n < 100 {
		t.Fatalf("only %d codes found in the table", n)
	}
}
