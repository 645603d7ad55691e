package files

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// audioServer serves the test files and the misbehaving answers.
type audioServer struct {
	*httptest.Server
	wav, mp3 []byte
	sent     atomic.Int64  // bytes of the big bodies written
	slow     chan struct{} // gets a value when a request for /slow.wav or /gated.wav arrives
	gate     chan struct{} // closed to let /gated.wav answer
}

func newAudioServer(t *testing.T) *audioServer {
	t.Helper()
	as := &audioServer{wav: makeWAV(200), mp3: readMP3(t), slow: make(chan struct{}, 8),
		gate: make(chan struct{})}
	mux := http.NewServeMux()
	serve := func(b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(b) }
	}
	redirect := func(to string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) }
	}
	mux.HandleFunc("/a/14.wav", serve(as.wav))
	mux.HandleFunc("/tone.mp3", serve(as.mp3))
	mux.HandleFunc("/download", serve(as.wav))
	mux.HandleFunc("/get.php", serve(as.mp3))
	mux.HandleFunc("/my%20file!.WAV", serve(as.wav))
	mux.HandleFunc("/notaudio.txt", serve([]byte("hello, this is text")))
	mux.HandleFunc("/fake.wav", serve([]byte("this is not a WAV file at all")))
	mux.HandleFunc("/long.wav", serve(makeWAV(2000)))
	mux.HandleFunc("/redir/file", redirect("file:///etc/passwd"))
	mux.HandleFunc("/redir/ok", redirect("/a/14.wav"))
	mux.HandleFunc("/redir/loop", redirect("/redir/loop"))
	mux.HandleFunc("/big.wav", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(100<<20))
		as.stream(w, 100<<20)
	})
	mux.HandleFunc("/bigchunked.wav", func(w http.ResponseWriter, _ *http.Request) { as.stream(w, 100<<20) })
	mux.HandleFunc("/slow.wav", func(_ http.ResponseWriter, r *http.Request) {
		select {
		case as.slow <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	})
	mux.HandleFunc("/gated.wav", func(w http.ResponseWriter, r *http.Request) {
		as.slow <- struct{}{}
		select {
		case <-as.gate:
			_, _ = w.Write(as.wav)
		case <-r.Context().Done():
		}
	})
	as.Server = httptest.NewServer(mux)
	t.Cleanup(as.Close)
	return as
}

// stream writes n zero bytes (a RIFF header first), counting them, until
// the client goes away.
func (as *audioServer) stream(w http.ResponseWriter, n int) {
	buf := make([]byte, 32<<10)
	copy(buf, makeWAV(1)[:44])
	for n > 0 {
		k, err := w.Write(buf[:min(n, len(buf))])
		as.sent.Add(int64(k))
		if err != nil {
			return
		}
		n -= k
		clear(buf[:44])
	}
}

func TestFetchTempWAV(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, nil)
	p, err := ts.FetchTemp(context.Background(), "rDlg-006-Sm41ll", as.URL+"/a/14.wav?x=1")
	if err != nil {
		t.Fatal(err)
	}
	if p != (Path{Temp, "14.wav"}) {
		t.Errorf("path %v", p)
	}
	file := filepath.Join(ts.temp, "rDlg-006-Sm41ll", "14.wav")
	if got, err := os.ReadFile(file); err != nil || !bytes.Equal(got, as.wav) {
		t.Errorf("file: %v", err)
	}
	name, err := ts.PromptName("rDlg-006-Sm41ll", p)
	if err != nil || name != file {
		t.Errorf("PromptName = %q, %v; want %q", name, err, file)
	}
	noLeftovers(t, filepath.Dir(file), "14.wav")
}

func TestFetchTempMP3(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, nil)
	p, err := ts.FetchTemp(context.Background(), "s1", as.URL+"/tone.mp3")
	if err != nil || p != (Path{Temp, "tone.mp3"}) {
		t.Fatalf("FetchTemp = %v, %v", p, err)
	}
	if got, _ := os.ReadFile(filepath.Join(ts.temp, "s1", "tone.mp3")); !bytes.Equal(got, as.mp3) {
		t.Error("the file differs")
	}
}

func TestFetchNames(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, nil)
	for in, want := range map[string]string{
		"/download?id=5":   "download.wav",
		"/get.php":         "get.mp3",
		"/my%20file!.WAV":  "my_file_.wav",
		"/redir/ok":        "ok.wav", // named from the URL asked for; not audio: the content says WAV
		"/a/14.wav#frag":   "14.wav",
		"/tone.mp3?a=b/c/": "tone.mp3",
	} {
		p, err := ts.FetchTemp(context.Background(), "s1", as.URL+in)
		if err != nil || p.Rel != want {
			t.Errorf("FetchTemp %s = %v, %v; want %s", in, p, err, want)
		}
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"abc.wav": "abc.wav", "..x.wav": "x.wav", "a b/c.mp3": "a_b_c.mp3", "ж.wav": "_.wav", "": "",
		strings.Repeat("n", 150) + ".wav": strings.Repeat("n", 96) + ".wav",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestFetchRefused(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, func(o *Options) { o.MaxBytes = 1 << 20; o.MaxDuration = time.Second })
	cases := []struct {
		url  string
		want error
	}{
		{"file:///etc/passwd", ErrBadURL},
		{"ftp://example.com/a.wav", ErrBadURL},
		{"data:audio/wav;base64,UklGRg==", ErrBadURL},
		{"gopher://x/a.wav", ErrBadURL},
		{"http:///a.wav", ErrBadURL},
		{"", ErrBadURL},
		{"http://user:PASSWORD@" + strings.TrimPrefix(as.URL, "http://") + "/a/14.wav", ErrBadURL},
		{as.URL + "/redir/file", ErrBadURL},
		{as.URL + "/redir/loop", ErrFetch},
		{as.URL + "/missing.wav?token=SECRET", ErrFetch},
		{as.URL + "/notaudio.txt", ErrNotAudio},
		{as.URL + "/fake.wav", ErrNotAudio},
		{as.URL + "/long.wav", ErrTooLarge},
		{as.URL + "/big.wav", ErrTooLarge},
		{as.URL + "/bigchunked.wav", ErrTooLarge},
	}
	for _, c := range cases {
		_, err := ts.FetchTemp(context.Background(), "s1", c.url)
		if !errors.Is(err, c.want) {
			t.Errorf("FetchTemp %s: %v; want %v", short(c.url), err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "PASSWORD") || strings.Contains(err.Error(), "SECRET")) {
			t.Errorf("the error %q quotes user info or a query", err)
		}
	}
	noLeftovers(t, filepath.Join(ts.temp, "s1"))
	if n := as.sent.Load(); n > 40<<20 {
		t.Errorf("the server wrote %d MiB of the big bodies", n>>20)
	}
}

func TestFetchStatus(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, nil)
	_, err := ts.FetchTemp(context.Background(), "s1", as.URL+"/missing.wav")
	var se *StatusError
	if !errors.Is(err, ErrFetch) || !errors.As(err, &se) || se.Code != http.StatusNotFound {
		t.Fatalf("err %v; want ErrFetch with a 404 StatusError", err)
	}
	if !strings.Contains(err.Error(), "404") {
		t.Errorf("err %q does not say 404", err)
	}
}

func TestFetchBigNotRead(t *testing.T) {
	for _, p := range []string{"/big.wav", "/bigchunked.wav"} {
		as := newAudioServer(t)
		ts := newTestStore(t, func(o *Options) { o.MaxBytes = 1 << 20 })
		if _, err := ts.FetchTemp(context.Background(), "s1", as.URL+p); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v; want ErrTooLarge", p, err)
		}
		as.Close() // waits for the handler
		if n := as.sent.Load(); n > 40<<20 {
			t.Errorf("%s: the server wrote %d MiB", p, n>>20)
		}
		noLeftovers(t, filepath.Join(ts.temp, "s1"))
	}
}

func TestFetchTimeout(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, func(o *Options) { o.FetchTimeout = 100 * time.Millisecond })
	_, err := ts.FetchTemp(context.Background(), "s1", as.URL+"/slow.wav")
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v; want ErrTimeout", err)
	}
}

func TestFetchHTTPSToHTTP(t *testing.T) {
	plain := newAudioServer(t)
	tlsSrv := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/a/14.wav", http.StatusFound))
	t.Cleanup(tlsSrv.Close)
	ts := newTestStore(t, func(o *Options) { o.Transport = tlsSrv.Client().Transport })
	if _, err := ts.FetchTemp(context.Background(), "s1", tlsSrv.URL+"/x.wav"); !errors.Is(err, ErrBadURL) {
		t.Errorf("err %v; want ErrBadURL", err)
	}
}

func TestFetchStatic(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, nil)
	cases := []struct{ url, dest, want string }{
		{"/a/14.wav", ":GS_PUB/a/b/c", ":GS_PUB/a/b/c/14.wav"},
		{"/tone.mp3", ":GS_PUB/a/b/c/", ":GS_PUB/a/b/c/tone.mp3"},
		{"/a/14.wav", ":GLOBALSHARE_PUBLIC/a/b/c/abc.wav", ":GS_PUB/a/b/c/abc.wav"},
		{"/tone.mp3", "", ":SYN_DOM/tone.mp3"},
		{"/tone.mp3", "x.mp3", ":SYN_DOM/x.mp3"},
		{"/a/14.wav", ":SS_DOM", ":SS_DOM/14.wav"},
	}
	for _, c := range cases {
		p, err := ts.FetchStatic(context.Background(), as.URL+c.url, c.dest)
		if err != nil || p.String() != c.want {
			t.Errorf("FetchStatic %s → %q = %v, %v; want %s", c.url, c.dest, p, err, c.want)
			continue
		}
		if !exists(ts.staticFile(p.Storage, p.Rel)) {
			t.Errorf("%v: no file", p)
		}
		name, err := ts.PromptName("", p)
		folder, _ := Folder(p.Storage)
		if err != nil || name != folder+"/"+p.Rel {
			t.Errorf("PromptName(%v) = %q, %v", p, name, err)
		}
	}
	noLeftovers(t, ts.staticFile(GSPub, "a/b/c"), "14.wav", "tone.mp3", "abc.wav")
	for _, dest := range []string{":TEMP/x", ":NOPE/x", ":GS_PUB/../x"} {
		if _, err := ts.FetchStatic(context.Background(), as.URL+"/a/14.wav", dest); !errors.Is(err, ErrBadPath) {
			t.Errorf("FetchStatic to %q: %v; want ErrBadPath", dest, err)
		}
	}
	// A folder where the file would go.
	if err := os.MkdirAll(ts.staticFile(GSPub, "d/14.wav"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.FetchStatic(context.Background(), as.URL+"/a/14.wav", ":GS_PUB/d"); !errors.Is(err, ErrBadPath) {
		t.Errorf("FetchStatic over a folder: %v; want ErrBadPath", err)
	}
}

// noLeftovers fails unless dir holds exactly the files named (a missing
// dir holds none).
func noLeftovers(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Name()] = true
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("%s: no %s", dir, w)
		}
		delete(have, w)
	}
	for n := range have {
		t.Errorf("%s: left over %s", dir, n)
	}
}
