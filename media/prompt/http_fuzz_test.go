package prompt

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckURL checks that checkURL accepts only http and https URLs with a
// host and no user info or fragment, that its canonical form is accepted
// again unchanged, and that shortURL never shows a query, a fragment or user
// info, nor grows past its bound.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"http://192.168.0.112/14.mp3",
		"HTTPS://Example.COM:8443/a/b.wav?token=x&y=%20",
		"http://[::1]:8080/p",
		"http://[fe80::1%25eth0]/x.ulaw",
		"http://user:pass@host/a.wav",
		"http://host/a.wav#frag",
		"ftp://host/a.wav",
		"http:///a.wav",
		"http://h/a\x00b",
		"http://h/%zz",
		"http://h:99999/a",
		"http://h/a b.wav",
		"http://h/" + strings.Repeat("é", 50) + "?q=1",
		"h://x",
		"://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		short := shortURL(s)
		if strings.ContainsAny(short, "?#") || len(short) > shortURLLen+len("…") {
			t.Fatalf("shortURL(%q) = %q", s, short)
		}
		if utf8.ValidString(s) && !utf8.ValidString(short) {
			t.Fatalf("shortURL(%q) = %q, cut inside a rune", s, short)
		}
		u, err := checkURL(s)
		if err != nil {
			if !errors.Is(err, ErrBadURL) || !errors.Is(err, ErrBadName) {
				t.Fatalf("checkURL(%q): %v does not wrap ErrBadURL", s, err)
			}
			return
		}
		switch {
		case !IsURL(s):
			t.Fatalf("%q accepted but not a URL", s)
		case u.Scheme != "http" && u.Scheme != "https":
			t.Fatalf("%q: scheme %q", s, u.Scheme)
		case u.User != nil, u.Fragment != "", u.Hostname() == "":
			t.Fatalf("%q: user %v, fragment %q, host %q", s, u.User, u.Fragment, u.Hostname())
		}
		canon := u.String()
		if strings.ContainsFunc(canon, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("%q: canonical %q has a control character", s, canon)
		}
		if short := shortURL(canon); strings.Contains(short, "@") && strings.Index(short, "@") < strings.Index(short[8:]+"/", "/")+8 {
			t.Fatalf("%q: short form %q shows user info", s, short)
		}
		again, err := checkURL(canon)
		if len(canon) <= maxNameLen && (err != nil || again.String() != canon) {
			t.Fatalf("%q: canonical %q checks as %v, %v", s, canon, again, err)
		}
	})
}
