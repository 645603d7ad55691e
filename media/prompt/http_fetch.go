package prompt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// userAgent is sent with every prompt request.
const userAgent = "ivrbox-prompt/1"

// response is a 200 or a 304 answer to a prompt request.
type response struct {
	notModified bool
	header      http.Header
	body        []byte   // 200 only
	final       *url.URL // the URL after redirects
}

// newClient returns the client prompt requests go through.
func newClient(tr http.RoundTripper, maxRedirects int) *http.Client {
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 2
		t.IdleConnTimeout = 30 * time.Second
		tr = t
	}
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect(maxRedirects)}
}

// checkRedirect allows up to max redirects, only to http and https and never
// from https to http. Its errors wrap ErrRedirect.
func checkRedirect(max int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		to := shortURL(req.URL.String())
		if len(via) > max {
			return fmt.Errorf("%w: more than %d redirects (the last to %q)", ErrRedirect, max, to)
		}
		if err := CheckRedirectTarget(req, via, to); err != nil {
			return fmt.Errorf("%w: %w", ErrRedirect, err)
		}
		return nil
	}
}

// CheckRedirectTarget checks where a redirect goes, for an
// http.Client.CheckRedirect: req.URL, after the requests via, must be http
// or https, have no user info, and not be http once the chain has been
// https. It does not count redirects. Its error wraps no sentinel (the
// caller wraps its own) and is worded to follow "redirect", quoting the
// target as to, the caller's short form of it (ShortURL):
// `to "ftp://host/a.wav", which is not http or https`.
func CheckRedirectTarget(req *http.Request, via []*http.Request, to string) error {
	switch s := req.URL.Scheme; {
	case s != "http" && s != "https":
		return fmt.Errorf("to %q, which is not http or https", to)
	case req.URL.User != nil:
		return fmt.Errorf("to a URL with user info (%q)", to)
	case s == "http" && viaHTTPS(via):
		return fmt.Errorf("from https to http (%q)", to)
	}
	return nil
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

// do makes one GET of u within the fetch timeout, conditional on the
// validators of cond when it is not nil, and reads the body of a 200.
func (h *httpCache) do(ctx context.Context, u string, cond *meta) (*response, error) {
	fctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(fctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadURL, UnwrapURLError(err))
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "audio/*, */*;q=0.1")
	if cond != nil && cond.ETag != "" {
		req.Header.Set("If-None-Match", cond.ETag)
	}
	if cond != nil && cond.LastModified != "" {
		req.Header.Set("If-Modified-Since", cond.LastModified)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, h.netErr(ctx, err)
	}
	defer resp.Body.Close()
	switch c := resp.StatusCode; {
	case c == http.StatusNotModified && cond != nil:
		return &response{notModified: true, header: resp.Header, final: resp.Request.URL}, nil
	case c == http.StatusNotFound || c == http.StatusGone:
		return nil, fmt.Errorf("%w: %w", ErrNotFound, &StatusError{c})
	case c != http.StatusOK:
		return nil, &StatusError{c}
	case resp.ContentLength > h.maxBytes:
		return nil, fmt.Errorf("%w: the file is %d bytes, the limit is %d", ErrTooLong, resp.ContentLength, h.maxBytes)
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(0, resp.ContentLength)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, h.maxBytes+1)); err != nil {
		return nil, h.netErr(ctx, err)
	}
	if int64(buf.Len()) > h.maxBytes {
		return nil, fmt.Errorf("%w: the file is over %d bytes", ErrTooLong, h.maxBytes)
	}
	return &response{header: resp.Header, body: buf.Bytes(), final: resp.Request.URL}, nil
}

// netErr describes a failed request or body read: a timeout when the fetch
// ran out of time while the caller's ctx did not, and never the whole URL.
func (h *httpCache) netErr(ctx context.Context, err error) error {
	err = UnwrapURLError(err)
	if ctx.Err() == nil && IsTimeout(err) {
		return fmt.Errorf("%w after %v: %w", ErrTimeout, h.timeout, err)
	}
	return err
}

// UnwrapURLError drops the *url.Error around err, which quotes the whole
// URL (query string and user info included) in its message, for its Op in
// upper case ("GET: …") and the error it wraps, which is kept.
func UnwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToUpper(ue.Op), ue.Err)
	}
	return err
}

// IsTimeout reports whether err is a timeout: it wraps
// context.DeadlineExceeded or an error whose Timeout method says so (a
// net.Error).
func IsTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &t) && t.Timeout()
}

// staleOK reports whether err is the server failing (unreachable, too slow,
// 5xx), when a copy kept from before is served instead.
func staleOK(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code >= 500
	}
	return !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrRedirect) &&
		!errors.Is(err, ErrBadName) && !isFormatErr(err)
}

// lifetime returns how long a response stays fresh, measured from when it was
// requested (at now), and whether it may be stored at all, from its
// Cache-Control (no-store, no-cache, max-age), Expires, Date, Age and Pragma
// headers; def when they say nothing.
func lifetime(hdr http.Header, now time.Time, def time.Duration) (life time.Duration, noStore bool) {
	var noCache, hasMaxAge bool
	var maxAge int64
	for _, v := range hdr.Values("Cache-Control") {
		for d := range strings.SplitSeq(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store":
				noStore = true
			case "no-cache":
				noCache = true
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
				hasMaxAge, maxAge = true, min(max(n, 0), 1<<31)
				if err != nil && !errors.Is(err, strconv.ErrRange) {
					maxAge = 0 // an invalid max-age makes the response stale
				}
			}
		}
	}
	age := time.Duration(0)
	if n, err := strconv.ParseInt(strings.TrimSpace(hdr.Get("Age")), 10, 64); err == nil && n > 0 {
		age = time.Duration(min(n, 1<<31)) * time.Second
	}
	switch {
	case noStore, noCache:
		return 0, noStore
	case hasMaxAge:
		life = time.Duration(maxAge)*time.Second - age
	case hdr.Get("Expires") != "":
		exp, err := http.ParseTime(hdr.Get("Expires"))
		if err != nil {
			return 0, false // an invalid Expires means already expired
		}
		base := now
		if d, err := http.ParseTime(hdr.Get("Date")); err == nil {
			base = d
		}
		life = exp.Sub(base) - age
	case hdr.Get("Cache-Control") == "" && strings.Contains(strings.ToLower(hdr.Get("Pragma")), "no-cache"):
		return 0, false
	default:
		return def, false
	}
	return max(life, 0), false
}

// audioTypes maps Content-Types to the extension whose decoder reads them.
var audioTypes = map[string]string{
	"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/vnd.wave": ".wav",
	"audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/mpeg3": ".mp3", "audio/x-mpeg": ".mp3", "audio/x-mpeg-3": ".mp3",
	"audio/basic": ".ulaw", "audio/pcmu": ".ulaw", "audio/x-mulaw": ".ulaw", "audio/mulaw": ".ulaw",
	"audio/pcma": ".alaw", "audio/x-alaw-basic": ".alaw", "audio/alaw": ".alaw",
}

// audioExt returns the extension whose decoder reads body: that of the URL's
// path (or of the URL redirected to) when Decode knows it, else a RIFF or ID3
// header (WAV, MP3), else what its Content-Type says, else an MPEG frame
// sync (MP3). The frame sync comes after the Content-Type because raw µ-law
// silence (0xFF 0xFF) looks like one. Anything else is refused as not audio.
func audioExt(u, final *url.URL, contentType string, body []byte) (string, error) {
	for _, p := range []*url.URL{u, final} {
		if p == nil {
			continue
		}
		if ext := strings.ToLower(path.Ext(p.Path)); formatOf(ext) != formatUnknown {
			return ext, nil
		}
	}
	switch {
	case isRIFF(body):
		return ".wav", nil
	case bytes.HasPrefix(body, []byte("ID3")):
		return ".mp3", nil
	case bytes.HasPrefix(body, []byte(".snd")):
		return "", fmt.Errorf("%w: Sun/NeXT .au files are not supported", ErrUnsupported)
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if ext, ok := audioTypes[strings.ToLower(mt)]; ok {
		return ext, nil
	}
	if isMP3(body) {
		return ".mp3", nil
	}
	if len(contentType) > 40 {
		contentType = contentType[:40] + "…"
	}
	return "", fmt.Errorf("%w: not audio (Content-Type %q, no known file extension in the URL)", ErrUnsupported, contentType)
}
