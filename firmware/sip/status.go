package sip

import (
	"errors"
	"fmt"
)

// Errors returned by Dialog methods; they are wrapped with context.
var (
	// ErrEnded reports an operation on a dialog that has already ended; the
	// error text carries the Cause.
	ErrEnded = errors.New("sip: dialog ended")
	// ErrAnswered reports Answer, Ringing or Reject after the call was answered.
	ErrAnswered = errors.New("sip: dialog already answered")
	// ErrAckTimeout reports that the caller never acknowledged our 200 OK
	// within 64*T1 (32 s); the call has been hung up.
	ErrAckTimeout = errors.New("sip: no ACK for 200 OK")
	// ErrClosed reports use of a closed Server.
	ErrClosed = errors.New("sip: server closed")
)

// StatusError is an error that carries the SIP status to answer with. An
// OnReInvite callback returns one to refuse an offer, e.g. 488.
type StatusError struct {
	Code   int    // SIP status code, 300-699
	Reason string // reason phrase; empty means the standard one for Code
	Err    error  // underlying cause, may be nil
}

// Error returns "sip: <code> <reason>: <cause>".
func (e *StatusError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("sip: %d %s", e.Code, e.reason())
	}
	return fmt.Sprintf("sip: %d %s: %v", e.Code, e.reason(), e.Err)
}

// Unwrap returns the underlying cause.
func (e *StatusError) Unwrap() error { return e.Err }

func (e *StatusError) reason() string {
	if e.Reason != "" {
		return e.Reason
	}
	return reasonPhrase(e.Code)
}

// statusOf maps an error to the status to answer with: the StatusError's if
// there is one with a final failure code, else 500.
func statusOf(err error) (int, string) {
	var se *StatusError
	if errors.As(err, &se) && se.Code >= 300 && se.Code <= 699 {
		return se.Code, se.reason()
	}
	return 500, reasonPhrase(500)
}

// reasonPhrase returns the RFC 3261 reason phrase for the codes we send.
func reasonPhrase(code int) string {
	switch code {
	case 100:
		return "Trying"
	case 180:
		return "Ringing"
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 406:
		return "Not Acceptable"
	case 415:
		return "Unsupported Media Type"
	case 416:
		return "Unsupported URI Scheme"
	case 420:
		return "Bad Extension"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 483:
		return "Too Many Hops"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 491:
		return "Request Pending"
	case 500:
		return "Server Internal Error"
	case 501:
		return "Not Implemented"
	case 503:
		return "Service Unavailable"
	case 505:
		return "Version Not Supported"
	case 603:
		return "Decline"
	}
	switch {
	case code >= 600:
		return "Global Failure"
	case code >= 500:
		return "Server Error"
	case code >= 400:
		return "Request Failure"
	case code >= 300:
		return "Redirection"
	}
	return "Unknown"
}
