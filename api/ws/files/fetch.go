package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
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
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the whole URL
		}
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

// shortURL returns raw as it may appear in errors and logs: scheme, host
// and path, without user info, query or fragment, cut short.
func shortURL(raw string) string {
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
	} else if i := strings.IndexByte(s, ':'); i >= 0 && i < 10 && !strings.Contains(s[:i], "/") {
		s = s[:i+1] + "…" // data:…, mailto:…: the rest may be anything
	}
	return short(s)
}

// newClient returns the client fetches go through.
func newClient(tr http.RoundTripper, maxRedirects int) *http.Client {
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect(maxRedirects)}
}

// checkRedirect allows up to max redirects, only to http and https, never
// with user info and never from https to http. Its error reaches netErr,
// which wraps ErrFetch around it.
func checkRedirect(max int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		to := shortURL(req.URL.String())
		switch s := req.URL.Scheme; {
		case s != "http" && s != "https":
			return fmt.Errorf("%w: a redirect to %q, which is not http or https", ErrBadURL, to)
		case req.URL.User != nil:
			return fmt.Errorf("%w: a redirect to a URL with user info (%q)", ErrBadURL, to)
		case s == "http" && viaHTTPS(via):
			return fmt.Errorf("%w: a redirect from https to http (%q)", ErrBadURL, to)
		case len(via) > max:
			return fmt.Errorf("more than %d redirects (the last to %q)", max, to)
		}
		return nil
	}
}

// viaHTTPS reports whether any request of a redirect chain was https.
func viaHTTPS(via []*http.Request) bool {
	for _, r := range via {
		if r.URL.Scheme == "https" {
			return true
		}
	}
	return false
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
		return nil, nil, fmt.Errorf("%w: %q: %w", ErrBadURL, shortURL(u.String()), unwrapURLError(err))
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
	err = unwrapURLError(err)
	where := shortURL(u.String())
	switch {
	case s.ctx.Err() != nil:
		return fmt.Errorf("%w: fetching %q", ErrClosed, where)
	case ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || isTimeout(err)):
		return fmt.Errorf("%w: %q after %v: %w", ErrTimeout, where, s.opt.FetchTimeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("%w: %q: %w", ErrFetch, where, err)
}

// unwrapURLError drops the url.Error around err, which quotes the whole URL
// (query string included) in its message. What it wraps is kept.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToUpper(ue.Op), ue.Err)
	}
	return err
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
