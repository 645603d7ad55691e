package files

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ivrbox/ivrbox/media/prompt"
)

// Limits of a fetch.
const (
	maxURLLen = 2048
	userAgent = "ivrbox-ivrapi/1"
)

// checkURL parses a URL to fetch, or refuses it with ErrBadURL: only http
// and https, with a host, without user info. The error never quotes the
// query string or user info.
func checkURL(raw string) (*url.URL, error) {
	bad := func(why string, args ...any) (*url.URL, error) {
		return nil, fmt.Errorf("%w: %q: %s", ErrBadURL, shortURL(raw), fmt.Sprintf(why, args...))
	}
	switch {
	case raw == "":
		return bad("empty")
	case len(raw) > maxURLLen:
		return bad("%d bytes long, the limit is %d", len(raw), maxURLLen)
	case !utf8.ValidString(raw):
		return bad("not valid UTF-8")
	case strings.IndexFunc(raw, unicode.IsControl) >= 0:
		return bad("it contains a control character")
	case strings.ContainsRune(raw, '\\'):
		return bad("it contains a backslash")
	}
	u, err := prompt.ParseURL(raw)
	if err != nil {
		return bad("%v", err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("scheme %q is not supported (only http and https)", short(u.Scheme))
	case u.User != nil:
		return bad("it has user info (user:password@)")
	case u.Opaque != "" || u.Hostname() == "":
		return bad("no host")
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// shortURL returns raw as it may appear in errors and logs:
// prompt.ShortURL cut to shortLen, except that of a URL without "://"
// (data:…, mailto:…) only the scheme is shown, since the rest may be
// anything.
func shortURL(raw string) string {
	s := raw
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if !strings.Contains(s, "://") {
		if i := strings.IndexByte(s, ':'); i >= 0 && i < 10 && !strings.Contains(s[:i], "/") {
			return s[:i+1] + "…"
		}
	}
	return prompt.ShortURL(raw, shortLen)
}

// newClient returns the client fetches go through.
func newClient(tr http.RoundTripper, maxRedirects int) *http.Client {
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect(maxRedirects)}
}

// checkRedirect allows up to max redirects, only to http and https, never
// with user info and never from https to http (prompt.CheckRedirectTarget).
// A refused target wraps ErrBadURL, and is checked before the count. Its
// error reaches netErr, which wraps ErrFetch around it.
func checkRedirect(max int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		to := shortURL(req.URL.String())
		if err := prompt.CheckRedirectTarget(req, via, to); err != nil {
			return fmt.Errorf("%w: a redirect %w", ErrBadURL, err)
		}
		if len(via) > max {
			return fmt.Errorf("more than %d redirects (the last to %q)", max, to)
		}
		return nil
	}
}

// get fetches u within Options.FetchTimeout and returns its body (at most
// Options.MaxBytes) and the URL it came from after redirects.
func (s *Store) get(ctx context.Context, u *url.URL) ([]byte, *url.URL, error) {
	fctx, cancel := context.WithTimeout(ctx, s.opt.FetchTimeout)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel) // Close ends the fetch
	defer stop()
	req, err := http.NewRequestWithContext(fctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %q: %w", ErrBadURL, shortURL(u.String()), prompt.UnwrapURLError(err))
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "audio/*, */*;q=0.1")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, s.netErr(ctx, u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode != http.StatusOK:
		return nil, nil, fmt.Errorf("%w: %q: %w", ErrFetch, shortURL(u.String()), &StatusError{resp.StatusCode})
	case resp.ContentLength > s.opt.MaxBytes:
		return nil, nil, fmt.Errorf("%w: %q is %d bytes, the limit is %d",
			ErrTooLarge, shortURL(u.String()), resp.ContentLength, s.opt.MaxBytes)
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(0, resp.ContentLength)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, s.opt.MaxBytes+1)); err != nil {
		return nil, nil, s.netErr(ctx, u, err)
	}
	if int64(buf.Len()) > s.opt.MaxBytes {
		return nil, nil, fmt.Errorf("%w: %q is over %d bytes", ErrTooLarge, shortURL(u.String()), s.opt.MaxBytes)
	}
	return buf.Bytes(), resp.Request.URL, nil
}

// netErr describes a failed request or body read: ErrTimeout when the
// fetch ran out of time while ctx did not, ErrClosed when the Store
// closed, and never the whole URL. A refused redirect keeps its ErrBadURL
// next to ErrFetch.
func (s *Store) netErr(ctx context.Context, u *url.URL, err error) error {
	err = prompt.UnwrapURLError(err)
	where := shortURL(u.String())
	switch {
	case s.ctx.Err() != nil:
		return fmt.Errorf("%w: fetching %q", ErrClosed, where)
	case ctx.Err() == nil && prompt.IsTimeout(err):
		return fmt.Errorf("%w: %q after %v: %w", ErrTimeout, where, s.opt.FetchTimeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("%w: %q: %w", ErrFetch, where, err)
}
