package ws

import (
	"errors"
	"fmt"

	"github.com/ivrbox/ivrbox/api/ws/files"
	"github.com/ivrbox/ivrbox/firmware/call"
)

// The error codes of docs/API-WS.md: HTTP-like numbers, each with a reason
// word that says more.
const (
	CodeMalformed   = 400 // not JSON, not [name, object], a missing or mistyped field
	CodeForbidden   = 403 // wrong key, or the connection does not own the call
	CodeNotFound    = 404 // unknown ivrid, request name or file
	CodeConflict    = 409 // accepted by another connection first; a component still runs; none runs
	CodeTooLarge    = 413 // a file over the size limit
	CodeNotAudio    = 415 // a file that does not decode as audio
	CodeInvalid     = 422 // bad component settings: unknown oType, a value out of range
	CodeTooMany     = 429 // too many requests in flight on the connection
	CodeInternal    = 500 // anything else
	CodeUnsupported = 501 // a component or mode the box does not have
	CodeUpstream    = 502 // a file server failed (status, network, redirect)
	CodeUnavailable = 503 // the call cannot do it now (not answered, ending, shutting down)
	CodeTimeout     = 504 // a file server took too long
)

// Error is a refused request.
type Error struct {
	Code    int
	Reason  string // a word: malformed, wrong-key, not-owner, unknown-ivrid...
	Message string // for people
}

// Error returns the code, reason and message.
func (e *Error) Error() string { return fmt.Sprintf("ws: %d %s: %s", e.Code, e.Reason, e.Message) }

// reasons are the default reason words of the codes.
var reasons = map[int]string{
	CodeMalformed: "malformed", CodeForbidden: "forbidden", CodeNotFound: "not-found",
	CodeConflict: "conflict", CodeTooLarge: "too-large", CodeNotAudio: "not-audio", CodeInvalid: "invalid",
	CodeTooMany: "too-many", CodeInternal: "internal", CodeUnsupported: "unsupported",
	CodeUpstream: "upstream", CodeUnavailable: "unavailable", CodeTimeout: "timeout",
}

// errf makes an Error with the code's default reason.
func errf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reasons[code], Message: fmt.Sprintf(format, args...)}
}

// errr makes an Error with its own reason.
func errr(code int, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// errorBody is the one shape of every refusal, inside the answer:
// {"qid": …, "error": {"code": 403, "reason": "wrong-key", "message": "…"}}.
type errorBody struct {
	Code    int    `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// fromCall maps the call core's errors.
func fromCall(err error) *Error {
	var ce *call.Error
	if !errors.As(err, &ce) {
		return errf(CodeInternal, "%v", err)
	}
	switch ce.Code {
	case call.CodeUnknownCall, call.CodeEnded:
		return errr(CodeNotFound, "unknown-ivrid", "the call is over")
	case call.CodeNotOffered:
		return errr(CodeForbidden, "wrong-key", "no API-control step offers this call under that key")
	case call.CodeTaken:
		return errr(CodeConflict, "taken", "another connection accepted the call first (ivrapi_reaccept takes it over)")
	case call.CodeNotOwner:
		return errr(CodeForbidden, "not-owner", "this connection does not control the call")
	case call.CodeBadRequest:
		return errf(CodeInvalid, "%s", ce.Error())
	case call.CodeNotUp, call.CodeShutdown, call.CodeQueueFull:
		return errf(CodeUnavailable, "%s", ce.Error())
	case call.CodeUnknownIVR, call.CodeUnknownAccount, call.CodeNoRoute, call.CodeNotAllowed,
		call.CodeNoTrunk, call.CodeNotRegistered:
		return errr(CodeInvalid, string(ce.Code), "%s", ce.Error())
	case call.CodeStorageFull, call.CodeLimit:
		return errr(CodeUnavailable, string(ce.Code), "%s", ce.Error())
	case call.CodeUnsupported:
		return errf(CodeUnsupported, "%s", ce.Error())
	}
	return errf(CodeInternal, "%s", ce.Error())
}

// fromFiles maps the file store's errors.
func fromFiles(err error) *Error {
	switch {
	case errors.Is(err, files.ErrBadPath):
		return errr(CodeInvalid, "bad-path", "%v", err)
	case errors.Is(err, files.ErrUnsupported):
		return errr(CodeUnsupported, "unsupported", "%v", err)
	case errors.Is(err, files.ErrNotFound):
		return errr(CodeNotFound, "no-file", "%v", err)
	case errors.Is(err, files.ErrBadURL): // before ErrFetch: a refused redirect wraps both, and is 422 (docs/API-WS.md)
		return errr(CodeInvalid, "bad-url", "%v", err)
	case errors.Is(err, files.ErrTooLarge):
		return errf(CodeTooLarge, "%v", err)
	case errors.Is(err, files.ErrNotAudio):
		return errf(CodeNotAudio, "%v", err)
	case errors.Is(err, files.ErrTimeout):
		return errf(CodeTimeout, "%v", err)
	case errors.Is(err, files.ErrFetch):
		return errf(CodeUpstream, "%v", err)
	}
	return errf(CodeInternal, "%v", err)
}
