package prompt

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func benchURLServer(b *testing.B, hdr ...string) string {
	body := toneWAV(500, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		if inm := r.Header.Get("If-None-Match"); inm != "" && inm == w.Header().Get("ETag") {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv.URL + "/notice.wav?token=x"
}

func benchURL(b *testing.B, u string, opts HTTPOptions) {
	c := New(Options{Builtin: fstest.MapFS{}, HTTP: &opts})
	ctx := context.Background()
	if _, err := c.Get(ctx, u); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
}

// A URL within its max-age: no request.
func BenchmarkGetURLFresh(b *testing.B) {
	benchURL(b, benchURLServer(b, "Cache-Control", "max-age=3600"), HTTPOptions{})
}

// A URL revalidated on every Get (no-cache): a conditional request and a 304.
func BenchmarkGetURLRevalidate(b *testing.B) {
	benchURL(b, benchURLServer(b, "Cache-Control", "no-cache", "ETag", `"v1"`), HTTPOptions{CacheDir: b.TempDir()})
}
