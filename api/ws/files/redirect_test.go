package files

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCheckRedirect checks the redirects a fetch refuses: a target that is
// not http or https, has user info or goes from https to http wraps
// ErrBadURL (checked before the count), and too many redirects wrap
// nothing (netErr adds ErrFetch).
func TestCheckRedirect(t *testing.T) {
	req := func(raw string) *http.Request {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{URL: u}
	}
	viaHTTP := []*http.Request{req("http://a/x")}
	viaTLS := []*http.Request{req("https://a/x")}
	three := []*http.Request{req("http://a/1"), req("http://a/2"), req("http://a/3"), req("http://a/4")}
	tests := []struct {
		max    int
		to     string
		via    []*http.Request
		badURL bool
		msg    string // "" when the redirect is followed
	}{
		{3, "http://b/a.wav", viaHTTP, false, ""},
		{3, "file:///etc/passwd", viaHTTP, true, `bad URL: a redirect to "file:///etc/passwd", which is not http or https`},
		{3, "mailto:x@example.com", viaHTTP, true, `bad URL: a redirect to "mailto:…", which is not http or https`},
		{3, "http://u:SECRET@b/a.wav", viaHTTP, true, `bad URL: a redirect to a URL with user info ("http://b/a.wav")`},
		{3, "http://b/a.wav?k=SECRET", viaTLS, true, `bad URL: a redirect from https to http ("http://b/a.wav")`},
		{3, "http://a/5", three, false, `more than 3 redirects (the last to "http://a/5")`},
		{0, "file:///etc/passwd", viaHTTP, true, `bad URL: a redirect to "file:///etc/passwd", which is not http or https`},
		{0, "http://b/a.wav", viaHTTP, false, `more than 0 redirects (the last to "http://b/a.wav")`},
	}
	for _, tt := range tests {
		err := checkRedirect(tt.max)(req(tt.to), tt.via)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("%s: %v; want it followed", tt.to, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.msg || errors.Is(err, ErrBadURL) != tt.badURL {
			t.Errorf("%s (max %d): %v; want %q (ErrBadURL %v)", tt.to, tt.max, err, tt.msg, tt.badURL)
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: %q quotes user info or a query", tt.to, err)
		}
	}
}

func TestShortURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://u:p@h/a.wav?token=x#f", "http://h/a.wav"},
		{"data:audio/wav;base64,UklGRg==", "data:…"},
		{"mailto:someone@example.com", "mailto:…"},
		{"/a:b", "/a:b"},
		{"http://h/" + strings.Repeat("é", 40), "http://h/" + strings.Repeat("é", 25) + "…"},
	}
	for _, tt := range tests {
		if got := shortURL(tt.in); got != tt.want {
			t.Errorf("shortURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
