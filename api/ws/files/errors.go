package files

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/ivrbox/ivrbox/media/prompt"
)

// The errors of the package. Every error returned wraps one of them (an
// error of a fetch may wrap two: a refused redirect is ErrBadURL and
// ErrFetch), so that the API adapter can map it to its error codes.
var (
	// ErrBadPath means a file path of the API is malformed: an unknown
	// storage prefix, "..", an absolute path after the prefix, a
	// backslash, a control character, invalid UTF-8, over MaxPathLen
	// bytes, no file name where one is required, a bad session name, or a
	// :TEMP destination for a static upload.
	ErrBadPath = errors.New("bad file path")
	// ErrNotFound means the path is well formed but names no file (or a
	// folder, or the session has ended).
	ErrNotFound = errors.New("file not found")
	// ErrBadURL means a URL to fetch is refused: not http or https, with
	// user info, without a host, malformed, or a redirect to such a URL or
	// from https to http.
	ErrBadURL = errors.New("bad URL")
	// ErrTooLarge means the file fetched is over Options.MaxBytes, or its
	// audio is longer than Options.MaxDuration.
	ErrTooLarge = errors.New("file too large")
	// ErrNotAudio means the file fetched is not audio the box can play (no
	// audio extension and no WAV or MP3 content, or it does not decode).
	ErrNotAudio = errors.New("not an audio file")
	// ErrFetch means the fetch failed: the server is unreachable, answered
	// a status other than 200 (the error then wraps a *StatusError), sent
	// too many redirects, or the body broke off.
	ErrFetch = errors.New("fetch failed")
	// ErrExpired means a download link is past its expiry.
	ErrExpired = errors.New("link expired")
	// ErrTimeout means a fetch took longer than Options.FetchTimeout. The
	// error also wraps context.DeadlineExceeded.
	ErrTimeout = errors.New("fetch timed out")
	// ErrUnsupported means the operation cannot be done on this file: a
	// :TEMP recording has no prompt name unless the Recordings implement
	// RecordingNamer.
	ErrUnsupported = errors.New("not supported for this file")
	// ErrClosed means the Store is closed.
	ErrClosed = errors.New("file store closed")
)

// errBadToken is a download token that does not decode or whose signature
// is wrong (answered 403).
var errBadToken = errors.New("bad link token")

// StatusError is an HTTP status other than 200 that a server answered to a
// fetch. It is wrapped together with ErrFetch.
type StatusError struct {
	Code int // the HTTP status code
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// shortLen bounds an input as it is quoted in errors and logs.
const shortLen = 60

// short returns s cut to shortLen bytes (on a rune boundary, marked with
// "…"), for quoting inputs in errors.
func short(s string) string { return prompt.Shorten(s, shortLen) }
