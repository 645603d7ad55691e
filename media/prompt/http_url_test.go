package prompt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"", 5, ""},
		{"abcde", 5, "abcde"},
		{"abcdef", 5, "abcde…"},
		{"abcé", 4, "abc…"}, // é is two bytes: not cut inside it
		{"éé", 3, "é…"},
		{"abc", 0, "…"},
	}
	for _, tt := range tests {
		if got := Shorten(tt.in, tt.max); got != tt.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestShortURLMax(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"https://u:p@host/a.wav?k=SECRET#f", 80, "https://host/a.wav"},
		{"https://host/" + strings.Repeat("a", 20), 20, "https://host/aaaaaaa…"},
		{"data:audio/wav;base64,AAAA?x", 80, "data:audio/wav;base64,AAAA"}, // no "://": only cut at ? and #
		{"not a URL", 3, "not…"},
	}
	for _, tt := range tests {
		if got := ShortURL(tt.in, tt.max); got != tt.want {
			t.Errorf("ShortURL(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
	if got, want := shortURL("http://h/"+strings.Repeat("a", 100)), ShortURL("http://h/"+strings.Repeat("a", 100), shortURLLen); got != want {
		t.Errorf("shortURL = %q, want ShortURL with shortURLLen %q", got, want)
	}
}

func TestParseURL(t *testing.T) {
	u, err := ParseURL("https://host/a.wav?k=v")
	if err != nil || u.Host != "host" || u.RawQuery != "k=v" {
		t.Fatalf("ParseURL = %v, %v", u, err)
	}
	_, err = ParseURL("http://host/%zz?token=SECRET")
	var ue *url.Error
	if err == nil || errors.As(err, &ue) || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("ParseURL of a bad escape: %v; want an error that is no *url.Error and quotes no query", err)
	}
}

func TestCheckRedirectTarget(t *testing.T) {
	tests := []struct {
		to   string
		via  []string // the chain so far
		want string   // "" when the redirect may be followed
	}{
		{"http://b/a.wav", []string{"http://a/x"}, ""},
		{"https://b/a.wav", []string{"http://a/x", "https://a/y"}, ""},
		{"ftp://b/a.wav", []string{"http://a/x"}, `to "TO", which is not http or https`},
		{"file:///etc/passwd", []string{"https://a/x"}, `to "TO", which is not http or https`},
		{"http://u:p@b/a.wav", []string{"http://a/x"}, `to a URL with user info ("TO")`},
		{"http://b/a.wav", []string{"https://a/x", "http://a/y"}, `from https to http ("TO")`},
	}
	for _, tt := range tests {
		var via []*http.Request
		for _, v := range tt.via {
			via = append(via, httptest.NewRequest(http.MethodGet, v, nil))
		}
		err := CheckRedirectTarget(httptest.NewRequest(http.MethodGet, tt.to, nil), via, "TO")
		if got := fmt.Sprint(err); tt.want == "" && err != nil || tt.want != "" && got != tt.want {
			t.Errorf("CheckRedirectTarget(%q) = %v, want %q", tt.to, err, tt.want)
		}
		if errors.Is(err, ErrRedirect) || errors.Is(err, ErrBadURL) {
			t.Errorf("CheckRedirectTarget(%q) = %v wraps a sentinel", tt.to, err)
		}
	}
}

func TestCheckRedirectOrder(t *testing.T) {
	u, _ := url.Parse("ftp://b/a.wav")
	via := []*http.Request{{URL: &url.URL{Scheme: "http", Host: "a"}}}
	// This package counts first: one redirect over a limit of 0 is "more
	// than 0 redirects" even to ftp://.
	err := checkRedirect(0)(&http.Request{URL: u}, via)
	if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "more than 0 redirects") {
		t.Errorf("checkRedirect(0) to ftp: %v", err)
	}
	err = checkRedirect(1)(&http.Request{URL: u}, via)
	if !errors.Is(err, ErrRedirect) || err.Error() != `redirect refused: to "ftp://b/a.wav", which is not http or https` {
		t.Errorf("checkRedirect(1) to ftp: %v", err)
	}
}

func TestUnwrapURLError(t *testing.T) {
	inner := errors.New("boom")
	err := UnwrapURLError(&url.Error{Op: "Get", URL: "http://h/?token=SECRET", Err: inner})
	if !errors.Is(err, inner) || err.Error() != "GET: boom" {
		t.Errorf("UnwrapURLError = %v", err)
	}
	if err := UnwrapURLError(inner); err != inner {
		t.Errorf("UnwrapURLError of a plain error = %v", err)
	}
}

type timeoutErr bool

func (e timeoutErr) Error() string { return "timeout?" }
func (e timeoutErr) Timeout() bool { return bool(e) }

func TestIsTimeout(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("x"), false},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("GET: %w", context.DeadlineExceeded), true},
		{context.Canceled, false},
		{fmt.Errorf("read: %w", timeoutErr(true)), true},
		{timeoutErr(false), false},
	}
	for _, tt := range tests {
		if got := IsTimeout(tt.err); got != tt.want {
			t.Errorf("IsTimeout(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
