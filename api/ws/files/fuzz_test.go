package files

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that a parsed Path prints in a form that parses back to
// it, stays inside its storage, and that anything refused is ErrBadPath.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		":GS_PUB/x/y/14.mp3", ":GLOBALSHARE_PUBLIC/x/14.mp3", ":TEMP/14.mp3", "x/y.wav", "",
		":TEMP/ivr_records/ivr_000006_1602234901218.wav", ":gs_pub/", ":GS_PUB", ":GS_PUB//x",
		"../x", ":GS_PUB/../x", "a/./b//c/", "/abs", "a\\b", "a\x00b", ":SYN_DOM_MEDIA/é.wav",
		strings.Repeat("x/", 260), ":" + strings.Repeat("A", 20),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("Parse(%q): %v is not ErrBadPath", in, err)
			}
			return
		}
		s := p.String()
		q, err := Parse(s)
		if err != nil || q != p {
			t.Fatalf("Parse(%q) = %+v; its String %q parses to %+v, %v", in, p, s, q, err)
		}
		if len(s) > MaxPathLen {
			t.Fatalf("Parse(%q).String() is %d bytes", in, len(s))
		}
		if p.Rel != "" && !fs.ValidPath(p.Rel) {
			t.Fatalf("Parse(%q).Rel = %q leaves its storage", in, p.Rel)
		}
		if _, ok := storageOf[p.Storage]; !ok || !p.valid() {
			t.Fatalf("Parse(%q) = %+v: not a valid Path", in, p)
		}
	})
}

// FuzzToken checks that no token panics the verifier and that one it
// accepts names a valid target.
func FuzzToken(f *testing.F) {
	s := &Store{opt: Options{Secret: []byte("0123456789abcdef")}}
	exp := time.UnixMilli(1e12)
	f.Add(s.sign(target{kind: kindStatic, a: GSPub, b: "a/b.wav"}, exp))
	f.Add(s.sign(target{kind: kindTemp, a: "s1", b: "b.wav"}, exp))
	f.Add(s.sign(target{kind: kindRec, a: "s1", b: "ivr_records/r.wav", c: "x/r.wav"}, exp))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		tg, _, err := s.verify(tok)
		if err == nil && !tg.valid() {
			t.Fatalf("verify(%q) accepted %+v", tok, tg)
		}
	})
}
