package call

import (
	"errors"
	"fmt"

	"github.com/ivrbox/ivrbox/firmware/route"
)

// Code says why a call-control request failed. Adapters map codes to their
// wire format (an errno, an HTTP status, a vendor error code) and never need
// to look at the error text.
type Code string

// The codes of Error.
const (
	CodeUnknownCall    Code = "unknown-call"    // no live call has that call id or leg id
	CodeUnknownIVR     Code = "unknown-ivr"     // no IVR answers on that number
	CodeUnknownAccount Code = "unknown-account" // fromext is not a configured account
	CodeNoRoute        Code = "no-route"        // no outbound route matches the number
	CodeNotAllowed     Code = "not-allowed"     // routes match, but the account may use none
	CodeBusy           Code = "busy"            // the box's call limit is reached
	CodeNoTrunk        Code = "no-trunk"        // the route's trunks are all missing
	CodeNotRegistered  Code = "not-registered"  // a local account has no registered phone
	CodeNotUp          Code = "not-up"          // the call is not answered yet, or ending, or already bridged
	CodeEnded          Code = "ended"           // the call is over
	CodeNotOwner       Code = "not-owner"       // the controller does not (or no longer) own the call
	CodeNotOffered     Code = "not-offered"     // no API-control step offers the call under that key
	CodeTaken          Code = "taken"           // another controller accepted the call first
	CodeBadRequest     Code = "bad-request"     // a command or its parameters are invalid
	CodeQueueFull      Code = "queue-full"      // too many commands waiting on the call
	CodeLimit          Code = "limit"           // too many forks or recordings
	CodeStorageFull    Code = "storage-full"    // the recordings' storage limit is reached
	CodeUnsupported    Code = "unsupported"     // the box cannot do that (yet)
	CodeShutdown       Code = "shutdown"        // the box is shutting down
	CodeInternal       Code = "internal"        // anything else
)

// Error is the error of every call-control request: a Code for adapters, the
// operation, a message for people, and the cause. errors.Is(err, ErrX) holds
// for any *Error with ErrX's code, so the sentinels below can be tested
// against wrapped errors.
type Error struct {
	Code Code   // why it failed
	Op   string // what was asked ("dial", "transfer", "play"...); may be empty
	Msg  string // detail for people; may be empty
	Err  error  // the cause; may be nil
}

// Error implements error.
func (e *Error) Error() string {
	s := "call"
	if e.Op != "" {
		s += ": " + e.Op
	}
	s += ": " + string(e.Code)
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Op == "" && t.Msg == "" && t.Err == nil
}

// The sentinels, one per code; test with errors.Is.
var (
	ErrUnknownCall    = &Error{Code: CodeUnknownCall}
	ErrUnknownIVR     = &Error{Code: CodeUnknownIVR}
	ErrUnknownAccount = &Error{Code: CodeUnknownAccount}
	ErrNoRoute        = &Error{Code: CodeNoRoute}
	ErrNotAllowed     = &Error{Code: CodeNotAllowed}
	ErrBusy           = &Error{Code: CodeBusy}
	ErrNoTrunk        = &Error{Code: CodeNoTrunk}
	ErrNotRegistered  = &Error{Code: CodeNotRegistered}
	ErrNotUp          = &Error{Code: CodeNotUp}
	ErrEnded          = &Error{Code: CodeEnded}
	ErrNotOwner       = &Error{Code: CodeNotOwner}
	ErrNotOffered     = &Error{Code: CodeNotOffered}
	ErrTaken          = &Error{Code: CodeTaken}
	ErrBadRequest     = &Error{Code: CodeBadRequest}
	ErrQueueFull      = &Error{Code: CodeQueueFull}
	ErrLimit          = &Error{Code: CodeLimit}
	ErrStorageFull    = &Error{Code: CodeStorageFull}
	ErrUnsupported    = &Error{Code: CodeUnsupported}
	ErrShutdown       = &Error{Code: CodeShutdown}
)

// fail builds an *Error; format and args make Msg.
func fail(code Code, op string, cause error, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Op: op, Msg: msg, Err: cause}
}

// CodeOf returns the code of err: its *Error's, the code of a route error
// it wraps, CodeEnded for a cancelled call, or CodeInternal. nil gives "".
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	switch {
	case errors.Is(err, route.ErrUnknownAccount):
		return CodeUnknownAccount
	case errors.Is(err, route.ErrNoRoute):
		return CodeNoRoute
	case errors.Is(err, route.ErrNotAllowed):
		return CodeNotAllowed
	case errors.Is(err, errEnded):
		return CodeEnded
	}
	return CodeInternal
}

// routeErr turns a route error into an *Error with its code.
func routeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: CodeOf(err), Op: op, Err: err}
}
