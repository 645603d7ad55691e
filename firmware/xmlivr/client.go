package xmlivr

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Headers of the requests to the application.
const (
	// HeaderSignature carries "sha256=" and the lower-case hex
	// HMAC-SHA256, keyed with the IVR's secret, of the timestamp header's
	// value, a '.', and the body. Only sent when a secret is set.
	HeaderSignature = "X-Ivrbox-Signature"
	// HeaderTimestamp is the request's time, in Unix seconds.
	HeaderTimestamp = "X-Ivrbox-Timestamp"
	// HeaderCall is the call's id (the notice's callSid).
	HeaderCall = "X-Ivrbox-Call"
)

// Errors of a request to the application, wrapped with details.
var (
	ErrStatus  = errors.New("xmlivr: the application answered an HTTP error")
	ErrTimeout = errors.New("xmlivr: the application did not answer in time")
	ErrRequest = errors.New("xmlivr: the request failed")
	ErrBadURL  = errors.New("xmlivr: bad URL")
)

// NewClient returns the HTTP client the engine uses when Options.HTTP is
// nil: a bounded transport (at most 64 connections to one application, 8
// idle), no proxy from the environment, redirects not followed (a 3xx is
// an error).
func NewClient() *http.Client {
	tr := &http.Transport{
		DialContext:            (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxConnsPerHost:        64,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  30 * time.Second,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// resolve returns ref resolved against the application's base URL, taken
// as a folder: "http://app/ivr" and "firstget" give "http://app/ivr/firstget",
// "/x" gives "http://app/x". ref may be an absolute http(s) URL. "" gives
// def resolved the same way.
func resolve(base, ref, def string) (string, error) {
	if ref == "" {
		ref = def
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadURL, base, err)
	}
	if ref == "" {
		return b.String(), nil
	}
	if !strings.HasSuffix(b.Path, "/") {
		b.Path += "/"
		b.RawPath = ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadURL, short(ref), err)
	}
	u := b.ResolveReference(r)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("%w: %q is not an http(s) URL", ErrBadURL, short(ref))
	}
	return u.String(), nil
}

// post sends body to target within timeout, signed with secret when set,
// and returns the parsed answer.
func (e *Engine) post(ctx context.Context, target string, body []byte, secret, callID string, timeout time.Duration) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	req.Header.Set("Accept", "application/xml")
	req.Header.Set("User-Agent", "ivrbox-xmlivr")
	req.Header.Set(HeaderCall, callID)
	ts := strconv.FormatInt(e.now().Unix(), 10)
	req.Header.Set(HeaderTimestamp, ts)
	if secret != "" {
		req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	}
	resp, err := e.http.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: %s after %v", ErrTimeout, target, timeout)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrRequest, target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("%w: %s: %s", ErrStatus, target, resp.Status)
	}
	if resp.ContentLength > MaxBody {
		return nil, fmt.Errorf("%w: %s: Content-Length %d (at most %d)", ErrTooLarge, target, resp.ContentLength, MaxBody)
	}
	res, err := ParseReader(resp.Body)
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: %s after %v", ErrTimeout, target, timeout)
		}
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return res, nil
}

// Sign returns the HeaderSignature value of body sent at timestamp (the
// HeaderTimestamp value): "sha256=" and hex(HMAC-SHA256(secret,
// timestamp + "." + body)).
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
