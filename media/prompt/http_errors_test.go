package prompt

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ivrbox/ivrbox/media/tone"
	"github.com/zaf/g711"
)

func TestHTTPErrors(t *testing.T) {
	srv := newPromptServer(t, false)
	srv.setStatus("/gone.wav", http.StatusGone)
	srv.setStatus("/forbidden.wav", http.StatusForbidden)
	srv.setStatus("/broken.wav", http.StatusInternalServerError)
	srv.set("/big.wav", make([]byte, 2000))
	srv.handle("/chunked.wav", func(w http.ResponseWriter, r *http.Request) {
		for range 3 {
			w.Write(make([]byte, 600))
			w.(http.Flusher).Flush() // no Content-Length
		}
	})
	srv.set("/page", []byte("<html>hello</html>"), "Content-Type", "text/html")
	srv.set("/bad.wav", []byte("RIFF\x04\x00\x00\x00WAVE"))
	srv.handle("/loop.wav", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop.wav?x="+r.URL.Query().Get("x")+"1", http.StatusFound)
	})
	srv.handle("/ftp.wav", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/a.wav", http.StatusFound)
	})
	c, _ := newURLCache(t, Options{HTTP: &HTTPOptions{MaxBytes: 1000}})
	tests := []struct {
		path string
		want error
		msg  string
	}{
		{"/missing.wav", ErrNotFound, "HTTP 404 Not Found"},
		{"/gone.wav", ErrNotFound, "HTTP 410 Gone"},
		{"/forbidden.wav", nil, "HTTP 403 Forbidden"},
		{"/broken.wav", nil, "HTTP 500"},
		{"/big.wav", ErrTooLong, "the file is 2000 bytes, the limit is 1000"},
		{"/chunked.wav", ErrTooLong, "over 1000 bytes"},
		{"/page", ErrUnsupported, `not audio (Content-Type "text/html"`},
		{"/bad.wav", ErrCorrupt, "wav: corrupt audio file: no fmt chunk"},
		{"/loop.wav", ErrRedirect, "more than 3 redirects"},
		{"/ftp.wav", ErrRedirect, `to "ftp://example.com/a.wav", which is not http or https`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			u := srv.URL + tt.path + "?token=s3cret"
			a, err := c.Get(context.Background(), u)
			if err == nil {
				t.Fatalf("Get = %s, want an error", a.Name)
			}
			want := `prompt "` + srv.URL + tt.path + `": `
			if (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("err = %v, want %v starting %q, containing %q", err, tt.want, want, tt.msg)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("query string in the error: %v", err)
			}
		})
	}
	var se *StatusError
	if _, err := c.Get(context.Background(), srv.URL+"/forbidden.wav"); !errors.As(err, &se) || se.Code != 403 {
		t.Fatalf("403: %v", err)
	}
	if s := c.Stats(); s.Entries != 0 {
		t.Fatalf("failed fetches kept: %+v", s)
	}
}

func TestHTTPBadURLs(t *testing.T) {
	c, _ := newURLCache(t, Options{})
	tests := []struct{ name, msg string }{
		{"ftp://host/a.wav", `scheme "ftp" is not supported`},
		{"javascript://x/a.wav", "scheme"},
		{"http://user:pa55@host/a.wav", "user info"},
		{"http://host/a.wav#frag", "fragment"},
		{"http:///a.wav", "no host"},
		{"http://:80/a.wav", "no host"},
		{"http://host/a\x01.wav", "control character"},
		{"http://host/a\x7f.wav", "control character"},
		{"http://host/a\\b.wav", "backslash"},
		{"http://host:port/a.wav", "invalid port"},
		{"http://ho st/a.wav", "invalid character"},
		{"http://host/\xff.wav", "UTF-8"},
		{"http://host/" + strings.Repeat("a", maxNameLen), "bytes long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(context.Background(), tt.name)
			if !errors.Is(err, ErrBadURL) || !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want ErrBadURL containing %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), "pa55") {
				t.Fatalf("password in the error: %v", err)
			}
		})
	}
	off := New(Options{Builtin: fstest.MapFS{}})
	_, err := off.Get(context.Background(), "HTTP://127.0.0.1/a.wav?key=s3cret")
	if !errors.Is(err, ErrURLDisabled) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("no Options.HTTP: %v", err)
	}
	if _, err := off.Get(context.Background(), "http:notice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("not a URL: %v", err)
	}
}

func TestHTTPFormats(t *testing.T) {
	mp3 := readTestdata(t, "tone1k-44k-stereo.mp3")
	pcm := tone.Sine([]float64{500}, 200, 0.5)
	ulaw, alaw := make([]byte, len(pcm)), make([]byte, len(pcm))
	for i, s := range pcm {
		ulaw[i], alaw[i] = g711.EncodeUlawFrame(s), g711.EncodeAlawFrame(s)
	}
	bin := []string{"Content-Type", "application/octet-stream"}
	srv := newPromptServer(t, false)
	srv.set("/tone.mp3", mp3, bin...)
	srv.set("/mp3", mp3, bin...) // sniffed: frame sync
	srv.set("/id3", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x05hello"), mp3...), bin...)
	srv.set("/typed-mp3", mp3, "Content-Type", "audio/mpeg")
	srv.set("/wav", toneWAV(500, 200), bin...) // sniffed: RIFF
	srv.set("/TONE.WAV", toneWAV(500, 200), bin...)
	srv.set("/mislabelled.wav", mp3, bin...)                   // Decode trusts the content
	silence := append(bytes.Repeat([]byte{0xFF}, 16), ulaw...) // µ-law silence looks like an MPEG frame sync
	srv.set("/basic", silence, "Content-Type", "audio/basic")
	srv.set("/alaw", alaw, "Content-Type", "audio/x-alaw-basic; rate=8000")
	srv.set("/tone.ulaw", ulaw, bin...)
	srv.set("/tone.alaw", alaw, bin...)
	srv.set("/tone.sln", pcm16(pcm), bin...)
	srv.handle("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/tone.ulaw", http.StatusMovedPermanently) // the extension of where it moved
	})
	srv.set("/raw", ulaw, bin...)
	srv.set("/sun", []byte(".snd\x00\x00\x00\x18"), "Content-Type", "audio/basic")
	c, _ := newURLCache(t, Options{})
	tests := []struct {
		path string
		hz   float64 // 0: an error
	}{
		{"/tone.mp3", 1000}, {"/mp3", 1000}, {"/id3", 1000}, {"/typed-mp3", 1000}, {"/mislabelled.wav", 1000},
		{"/wav", 500}, {"/TONE.WAV", 500}, {"/basic", 500}, {"/alaw", 500},
		{"/tone.ulaw", 500}, {"/tone.alaw", 500}, {"/tone.sln", 500}, {"/moved", 500},
		{"/raw", 0}, {"/sun", 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			a, err := c.Get(context.Background(), srv.URL+tt.path)
			if tt.hz == 0 {
				if !errors.Is(err, ErrUnsupported) {
					t.Fatalf("err = %v, want ErrUnsupported", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f, r := tone.Dominant(a.PCM[800:1200], candidatesHz); f != tt.hz || r < 0.9 {
				t.Fatalf("plays %v Hz (ratio %.2f), want %v", f, r, tt.hz)
			}
		})
	}
	// Scheme and host in any case are one URL.
	a := mustGet(t, c, srv.URL+"/wav")
	if b := mustGet(t, c, strings.Replace(srv.URL, "http://", "HTTP://", 1)+"/wav"); b != a {
		t.Fatal("HTTP:// not the same URL as http://")
	}
}

func TestHTTPS(t *testing.T) {
	plain := newPromptServer(t, false)
	plain.set("/a.wav", toneWAV(500, 200))
	srv := newPromptServer(t, true)
	srv.set("/a.wav", toneWAV(700, 200))
	srv.handle("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/a.wav", http.StatusFound)
	})
	srv.handle("/up", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/a.wav", http.StatusFound)
	})
	c, _ := newURLCache(t, Options{HTTP: &HTTPOptions{Transport: srv.Client().Transport}})
	if a := mustGet(t, c, srv.URL+"/a.wav"); freqOf(t, a) != 700 {
		t.Fatal("https")
	}
	if a := mustGet(t, c, srv.URL+"/up"); freqOf(t, a) != 700 {
		t.Fatal("https redirect to https")
	}
	if _, err := c.Get(context.Background(), srv.URL+"/down"); !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "from https to http") {
		t.Fatalf("https to http: %v", err)
	}
	if plain.count() != 0 {
		t.Fatal("the http URL was asked")
	}
	// No redirects at all.
	none, _ := newURLCache(t, Options{HTTP: &HTTPOptions{Transport: srv.Client().Transport, MaxRedirects: -1}})
	if _, err := none.Get(context.Background(), srv.URL+"/up"); !errors.Is(err, ErrRedirect) {
		t.Fatalf("MaxRedirects -1: %v", err)
	}
}

func TestHTTPTimeout(t *testing.T) {
	srv := newPromptServer(t, false)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the server closes
	// block makes path hang until the test ends or its client goes, and
	// returns a channel that says a request arrived.
	block := func(path string) <-chan struct{} {
		entered := make(chan struct{}, 10)
		srv.handle(path, func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		return entered
	}
	block("/slow.wav")
	dir := t.TempDir()
	c, _ := newURLCache(t, Options{HTTP: &HTTPOptions{CacheDir: dir, Timeout: 50 * time.Millisecond}})
	_, err := c.Get(context.Background(), srv.URL+"/slow.wav")
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow server: %v", err)
	}

	// With a copy at hand (fetched by another Cache on the same folder, with
	// time to spare), a slow server is ridden out.
	srv.set("/p.wav", toneWAV(500, 200), "ETag", `"v1"`)
	mustGet(t, New(Options{HTTP: &HTTPOptions{CacheDir: dir}}), srv.URL+"/p.wav")
	block("/p.wav")
	if a := mustGet(t, c, srv.URL+"/p.wav"); freqOf(t, a) != 500 {
		t.Fatal("copy not played while the server is slow")
	}

	// The caller giving up is not a timeout.
	entered := block("/hang.wav")
	slow, _ := newURLCache(t, Options{HTTP: &HTTPOptions{Timeout: time.Hour}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := slow.Get(ctx, srv.URL+"/hang.wav")
		done <- err
	}()
	<-entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestHTTPCoalesce(t *testing.T) {
	srv := newPromptServer(t, false)
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	srv.handle("/p.wav", func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Cache-Control", "max-age=60")
		w.Write(toneWAV(500, 200))
	})
	c, _ := newURLCache(t, Options{})
	const n = 8
	waiting := make(chan struct{}, n)
	c.http.onWait = func() { waiting <- struct{}{} }
	got := make(chan *Audio, n)
	for range n {
		go func() {
			a, err := c.Get(context.Background(), srv.URL+"/p.wav")
			if err != nil {
				t.Error(err)
			}
			got <- a
		}()
	}
	<-entered
	for range n - 1 {
		<-waiting
	}
	close(release)
	first := <-got
	for range n - 1 {
		if a := <-got; a != first || a == nil {
			t.Fatal("different audio for the same URL")
		}
	}
	if srv.count() != 1 || c.Stats().Misses != 1 {
		t.Fatalf("%d requests, %d decodings", srv.count(), c.Stats().Misses)
	}
}

func TestHTTPCoalesceAbandoned(t *testing.T) {
	srv := newPromptServer(t, false)
	entered := make(chan struct{}, 10)
	srv.handle("/p.wav", func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		if srv.count() == 1 {
			<-r.Context().Done() // the first fetch hangs until its caller gives up
			return
		}
		w.Write(toneWAV(500, 200))
	})
	c, _ := newURLCache(t, Options{})
	waiting := make(chan struct{}, 10)
	c.http.onWait = func() { waiting <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := c.Get(ctx, srv.URL+"/p.wav")
		first <- err
	}()
	<-entered
	second := make(chan *Audio, 1)
	go func() {
		a, err := c.Get(context.Background(), srv.URL+"/p.wav")
		if err != nil {
			t.Error(err)
		}
		second <- a
	}()
	<-waiting
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first: %v", err)
	}
	if a := <-second; a == nil || freqOf(t, a) != 500 || srv.count() != 2 {
		t.Fatalf("the waiter did not fetch again: %d requests", srv.count())
	}
}

func TestLifetime(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	date := now.Format(http.TimeFormat)
	tests := []struct {
		name    string
		kv      []string
		want    time.Duration
		noStore bool
	}{
		{"nothing", nil, time.Minute, false},
		{"max-age", []string{"Cache-Control", "max-age=300"}, 300 * time.Second, false},
		{"max-age quoted, mixed case", []string{"Cache-Control", `Public, MAX-AGE="30"`}, 30 * time.Second, false},
		{"max-age minus age", []string{"Cache-Control", "max-age=300", "Age", "100"}, 200 * time.Second, false},
		{"age beyond max-age", []string{"Cache-Control", "max-age=10", "Age", "100"}, 0, false},
		{"bad max-age", []string{"Cache-Control", "max-age=soon"}, 0, false},
		{"huge max-age", []string{"Cache-Control", "max-age=99999999999999999999"}, (1 << 31) * time.Second, false},
		{"no-cache", []string{"Cache-Control", "no-cache, max-age=60"}, 0, false},
		{"no-cache field", []string{"Cache-Control", `no-cache="Set-Cookie"`}, 0, false},
		{"no-store", []string{"Cache-Control", "max-age=60, no-store"}, 0, true},
		{"max-age over Expires", []string{"Cache-Control", "max-age=5", "Expires", now.Add(time.Hour).Format(http.TimeFormat)}, 5 * time.Second, false},
		{"expires", []string{"Date", date, "Expires", now.Add(time.Hour).Format(http.TimeFormat)}, time.Hour, false},
		{"expires, no date", []string{"Expires", now.Add(time.Hour).Format(http.TimeFormat)}, time.Hour, false},
		{"expires in the past", []string{"Date", date, "Expires", now.Add(-time.Hour).Format(http.TimeFormat)}, 0, false},
		{"bad expires", []string{"Expires", "0"}, 0, false},
		{"pragma", []string{"Pragma", "no-cache"}, 0, false},
		{"pragma with cache-control", []string{"Pragma", "no-cache", "Cache-Control", "max-age=9"}, 9 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for i := 0; i+1 < len(tt.kv); i += 2 {
				h.Add(tt.kv[i], tt.kv[i+1])
			}
			got, noStore := lifetime(h, now, time.Minute)
			if got != tt.want || noStore != tt.noStore {
				t.Fatalf("lifetime = %v, %v; want %v, %v", got, noStore, tt.want, tt.noStore)
			}
		})
	}
}

func TestShortURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://h/a.wav?token=x", "http://h/a.wav"},
		{"http://u:p@h/a.wav", "http://h/a.wav"},
		{"http://u:p@h", "http://h"},
		{"http://h/a@b.wav", "http://h/a@b.wav"},
		{"http://h/a.wav#x", "http://h/a.wav"},
		{"http://h/" + strings.Repeat("é", 60), "http://h/" + strings.Repeat("é", 35) + "…"},
	}
	for _, tt := range tests {
		if got := shortURL(tt.in); got != tt.want {
			t.Errorf("shortURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
