package files

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

const base = "http://192.168.1.5:8080"

func TestLinkStatic(t *testing.T) {
	ts := newTestStore(t, nil)
	wav := makeWAV(100)
	ts.writeStatic(t, GSPub, "x/y/14.wav", wav)
	link, exp, err := ts.Link("", Path{GSPub, "x/y/14.wav"}, base+"/")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, base+LinkPrefix) {
		t.Errorf("link %q", link)
	}
	if want := ts.clk.Now().Add(DefaultLinkTTL); !exp.Equal(want) {
		t.Errorf("expires %v; want %v", exp, want)
	}
	r := ts.get(t, http.MethodGet, link)
	if r.StatusCode != http.StatusOK || string(body(t, r)) != string(wav) {
		t.Fatalf("GET: %d", r.StatusCode)
	}
	if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); ct != "audio/wav" ||
		cd != `attachment; filename=14.wav` {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	if r := ts.get(t, http.MethodHead, link); r.StatusCode != http.StatusOK || len(body(t, r)) != 0 {
		t.Errorf("HEAD: %d", r.StatusCode)
	}
	if r := ts.get(t, http.MethodPost, link); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", r.StatusCode)
	}
	if err := os.Remove(ts.staticFile(GSPub, "x/y/14.wav")); err != nil {
		t.Fatal(err)
	}
	if r := ts.get(t, http.MethodGet, link); r.StatusCode != http.StatusNotFound {
		t.Errorf("GET of a removed file: %d; want 404", r.StatusCode)
	}
}

func TestLinkMP3ContentType(t *testing.T) {
	ts := newTestStore(t, nil)
	ts.writeStatic(t, SynDom, "a.mp3", readMP3(t))
	link, _, err := ts.Link("s1", Path{SynDom, "a.mp3"}, base)
	if err != nil {
		t.Fatal(err)
	}
	if r := ts.get(t, http.MethodGet, link); r.Header.Get("Content-Type") != "audio/mpeg" {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
}

func TestLinkRefused(t *testing.T) {
	ts := newTestStore(t, nil)
	for _, p := range []Path{{GSPub, "missing.wav"}, {Temp, "missing.wav"}, {Temp, "ivr_records/none.wav"}} {
		if _, _, err := ts.Link("s1", p, base); !errors.Is(err, ErrNotFound) {
			t.Errorf("Link %v: %v; want ErrNotFound", p, err)
		}
	}
	for _, p := range []Path{{GSPub, ""}, {"NOPE", "a.wav"}, {GSPub, "../a.wav"}, {"GLOBALSHARE_PUBLIC", "a.wav"}} {
		if _, _, err := ts.Link("s1", p, base); !errors.Is(err, ErrBadPath) {
			t.Errorf("Link %v: %v; want ErrBadPath", p, err)
		}
	}
	if _, _, err := ts.Link("../s", Path{Temp, "a.wav"}, base); !errors.Is(err, ErrBadPath) {
		t.Errorf("Link with a bad session: %v; want ErrBadPath", err)
	}
}

func TestLinkTampered(t *testing.T) {
	ts := newTestStore(t, nil)
	ts.writeStatic(t, GSPub, "a.wav", makeWAV(50))
	ts.writeStatic(t, GSPub, "b.wav", makeWAV(50))
	link, _, err := ts.Link("", Path{GSPub, "a.wav"}, base)
	if err != nil {
		t.Fatal(err)
	}
	tok := link[strings.LastIndexByte(link, '/')+1:]
	flip := []byte(tok)
	flip[len(flip)/3] ^= 'A' ^ 'B'
	if flip[len(flip)/3] == tok[len(tok)/3] {
		flip[len(flip)/3] = 'x'
	}
	other := &Store{opt: Options{Secret: []byte("another secret, 16+ bytes")}}
	forged := other.sign(target{kind: kindStatic, a: GSPub, b: "b.wav"}, ts.clk.Now().Add(time.Hour))
	for name, tk := range map[string]string{
		"flipped": string(flip), "truncated": tok[:len(tok)-2], "empty": "", "garbage": "!!!",
		"other secret": forged, "too long": strings.Repeat("A", 5000),
	} {
		if r := ts.get(t, http.MethodGet, base+LinkPrefix+tk); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s token: %d; want 403", name, r.StatusCode)
		}
	}
}

func TestLinkExpired(t *testing.T) {
	ts := newTestStore(t, nil)
	ts.writeStatic(t, GSPub, "a.wav", makeWAV(50))
	link, _, err := ts.Link("", Path{GSPub, "a.wav"}, base)
	if err != nil {
		t.Fatal(err)
	}
	ts.clk.Add(5*time.Minute - time.Millisecond)
	if r := ts.get(t, http.MethodGet, link); r.StatusCode != http.StatusOK {
		t.Errorf("just before expiry: %d", r.StatusCode)
	}
	ts.clk.Add(time.Millisecond)
	if r := ts.get(t, http.MethodGet, link); r.StatusCode != http.StatusGone {
		t.Errorf("at expiry: %d; want 410", r.StatusCode)
	}
}

func TestLinkTTLOption(t *testing.T) {
	ts := newTestStore(t, func(o *Options) { o.LinkTTL = time.Minute })
	ts.writeStatic(t, GSPub, "a.wav", makeWAV(50))
	_, exp, err := ts.Link("", Path{GSPub, "a.wav"}, base)
	if err != nil || !exp.Equal(ts.clk.Now().Add(time.Minute)) {
		t.Errorf("expires %v, %v", exp, err)
	}
}
