package prompt

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults for the zero values of HTTPOptions.
const (
	DefaultHTTPMaxBytes     = 20 << 20         // largest body fetched
	DefaultHTTPDiskBytes    = 256 << 20        // disk budget of HTTPOptions.CacheDir
	DefaultHTTPTimeout      = 10 * time.Second // whole fetch, redirects and body included
	DefaultHTTPMaxRedirects = 3
	// DefaultHTTPMaxAge is how long a response that says nothing about its
	// freshness (no Cache-Control max-age, no Expires) is used before it is
	// asked for again (conditionally when it has an ETag or Last-Modified).
	DefaultHTTPMaxAge = 60 * time.Second
)

// staleRetry is how long a copy served because its server failed is used
// before the server is tried again, so that a server that is down costs one
// timeout per URL every staleRetry rather than one per Get.
const staleRetry = 10 * time.Second

// shortURLLen bounds a URL as it appears in errors and logs.
const shortURLLen = 80

// HTTPOptions configures prompts named by http:// and https:// URLs. The
// zero value is usable: no disk copy and the defaults above.
type HTTPOptions struct {
	// CacheDir keeps the fetched files (e.g. <data>/cache/http), one per URL
	// named by a hash of it, with their validators in a header, so that after
	// a restart a prompt is revalidated with a conditional request instead of
	// fetched again, and plays even if its server is down. Empty means no
	// disk copy: a body is kept only until it is decoded.
	CacheDir string
	// MaxDiskBytes is the budget of CacheDir; the least recently fetched or
	// revalidated files are removed beyond it. 0 means DefaultHTTPDiskBytes.
	MaxDiskBytes int64
	// MaxBytes is the largest body fetched (Content-Length is checked first,
	// then the body is read through a limit). 0 means DefaultHTTPMaxBytes.
	MaxBytes int64
	// Timeout bounds a whole fetch, redirects and body included. 0 means
	// DefaultHTTPTimeout.
	Timeout time.Duration
	// MaxRedirects is how many redirects a fetch follows (only to http and
	// https, never from https to http). 0 means DefaultHTTPMaxRedirects, a
	// negative value none.
	MaxRedirects int
	// DefaultMaxAge is how long a response without max-age or Expires stays
	// fresh. 0 means DefaultHTTPMaxAge.
	DefaultMaxAge time.Duration
	// Transport makes the requests. Nil means a clone of
	// http.DefaultTransport. Tests pass an httptest server's transport.
	Transport http.RoundTripper
	// Now is the clock freshness is measured with. Nil means time.Now.
	Now func() time.Time
}

var (
	// ErrURLDisabled means a prompt is named by a URL but the Cache was made
	// without Options.HTTP.
	ErrURLDisabled = errors.New("prompt URLs are not enabled")
	// ErrBadURL means a URL can never name a prompt: not http or https, no
	// host, user info, a fragment, control characters. It wraps ErrBadName.
	ErrBadURL = fmt.Errorf("%w: bad URL", ErrBadName)
	// ErrRedirect means the server redirected too often, to a scheme other
	// than http or https, or from https to http.
	ErrRedirect = errors.New("redirect refused")
	// ErrTimeout means the fetch took longer than HTTPOptions.Timeout. The
	// error also wraps context.DeadlineExceeded.
	ErrTimeout = errors.New("prompt server timed out")
)

// StatusError is an HTTP status a server answered other than 200 (or 304 to
// a conditional request). 404 and 410 also wrap ErrNotFound.
type StatusError struct {
	Code int // the HTTP status code
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// urlScheme returns the scheme of name when it looks like a URL
// (scheme://…), or "".
func urlScheme(name string) string {
	i := strings.Index(name, "://")
	if i <= 0 {
		return ""
	}
	for j, r := range name[:i] {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return ""
		}
	}
	return name[:i]
}

// IsURL reports whether name is a URL (scheme://…) rather than a file name.
// Get fetches http and https URLs and refuses every other scheme.
func IsURL(name string) bool { return urlScheme(name) != "" }

// checkURL parses a prompt URL and returns it in canonical form (scheme and
// host in lower case), or an error wrapping ErrBadURL. The error never
// quotes the query string or user info.
func checkURL(name string) (*url.URL, error) {
	bad := func(why string, args ...any) (*url.URL, error) {
		return nil, fmt.Errorf("%w: %s", ErrBadURL, fmt.Sprintf(why, args...))
	}
	switch {
	case len(name) > maxNameLen:
		return bad("%d bytes long, the limit is %d", len(name), maxNameLen)
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return bad("it contains a control character")
	case strings.ContainsRune(name, '\\'):
		return bad("it contains a backslash")
	case strings.ContainsRune(name, '#'):
		return bad("it has a fragment (#…)")
	}
	scheme := strings.ToLower(urlScheme(name))
	if scheme != "http" && scheme != "https" {
		return bad("scheme %q is not supported (only http and https)", shortURL(scheme))
	}
	u, err := ParseURL(name)
	if err != nil {
		return bad("%v", err)
	}
	switch {
	case u.User != nil:
		return bad("it has user info (user:password@); put credentials elsewhere")
	case u.Hostname() == "":
		return bad("no host")
	case strings.ContainsFunc(u.Host, func(r rune) bool { return r > 0x7e }):
		return bad("the host is not ASCII (write a domain name in punycode)")
	}
	u.Scheme = scheme
	u.Host = strings.ToLower(u.Host)
	return u, nil
}

// ParseURL is url.Parse with an error that does not quote raw: the
// *url.Error that url.Parse returns quotes the whole URL, query string and
// user info included, so it is dropped for the error it wraps.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, err
	}
	return u, nil
}

// shortURL is ShortURL with the length of this package's errors and logs.
func shortURL(raw string) string { return ShortURL(raw, shortURLLen) }

// ShortURL returns raw (a URL, valid or not) as it may appear in errors and
// logs: scheme, host and path without user info, query or fragment, cut by
// Shorten to max bytes. A string without "://" is only cut at "?" or "#".
func ShortURL(raw string, max int) string {
	s := raw
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			s = s[:i+3] + rest[at+1:]
		}
	}
	return Shorten(s, max)
}

// Shorten returns s as it may be quoted in errors and logs: s itself when
// it is at most max bytes long, else as many of its first max bytes as end
// on a rune boundary, followed by "…".
func Shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
