package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// The error codes of the seed's table, plus the two of authentication.
const (
	CodeEmpty          = 2     // a required parameter is empty; malformed JSON
	CodeInternal       = 10000 // internal error
	CodeBadDevice      = 10001 // bad device format, or a bad RTP address
	CodeNoCall         = 10002 // no such call (or its SIP ids do not match)
	CodeNotSupported   = 10003 // not supported
	CodeNoMedia        = 10004 // a media path does not exist or cannot be played
	CodeNoRoute        = 10005 // a route (IVR) or subscription id does not exist
	CodeNoCallManager  = 10006 // the call manager is unavailable
	CodeNoSIPServer    = 10007 // no SIP server is available for the call
	CodeUnauthorized   = 401   // a missing or wrong token
	CodeTooManyRequest = 429   // too many failures from this address
)

// statusOf is the HTTP status that goes with each code.
var statusOf = map[int]int{
	CodeEmpty:          http.StatusBadRequest,
	CodeInternal:       http.StatusInternalServerError,
	CodeBadDevice:      http.StatusBadRequest,
	CodeNoCall:         http.StatusNotFound,
	CodeNotSupported:   http.StatusNotImplemented,
	CodeNoMedia:        http.StatusNotFound,
	CodeNoRoute:        http.StatusNotFound,
	CodeNoCallManager:  http.StatusServiceUnavailable,
	CodeNoSIPServer:    http.StatusServiceUnavailable,
	CodeUnauthorized:   http.StatusUnauthorized,
	CodeTooManyRequest: http.StatusTooManyRequests,
}

// Error is a refused request: its code and a message for people.
type Error struct {
	Code    int
	Message string
	Err     error // the cause, if any
}

// Error returns the message with the code.
func (e *Error) Error() string { return fmt.Sprintf("cloud api: %d: %s", e.Code, e.Message) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// errf makes an Error.
func errf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorBody is the one JSON shape of every refusal.
type errorBody struct {
	ID      string `json:"id,omitempty"`
	CallID  string `json:"callId,omitempty"`
	Result  string `json:"result"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// writeError answers err in the error shape; an error that is not an
// *Error is internal.
func writeError(w http.ResponseWriter, id, callID string, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Code: CodeInternal, Message: "internal error", Err: err}
	}
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, errorBody{ID: id, CallID: callID, Result: "fail", Code: e.Code, Message: e.Message})
}

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fromCall maps a call-control error to the seed's codes.
func fromCall(err error) *Error {
	msg := err.Error()
	code := CodeInternal
	switch call.CodeOf(err) {
	case call.CodeUnknownCall, call.CodeNotUp:
		code = CodeNoCall
	case call.CodeEnded: // the call is still listed, but its SIP leg is gone
		code = CodeNoSIPServer
	case call.CodeNotOffered, call.CodeTaken, call.CodeUnsupported, call.CodeNotOwner,
		call.CodeLimit, call.CodeQueueFull:
		code = CodeNotSupported
	case call.CodeBadRequest:
		code = CodeBadDevice
	case call.CodeShutdown:
		code = CodeNoCallManager
	}
	return &Error{Code: code, Message: msg, Err: err}
}
