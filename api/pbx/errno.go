package pbx

import (
	"github.com/ivrbox/ivrbox/firmware/call"
)

// The errno values of {"status":"Failed","errno":"..."} answers. Codes below
// 10040 are Yeastar's S-Series codes with the same meaning; 10040 and 10041
// are ivrbox's own (Yeastar has no code for them).
const (
	// ErrnoUnsupported: no such endpoint under Prefix.
	ErrnoUnsupported = "10003"
	// ErrnoParam: a required parameter is missing or empty, or a parameter
	// is not a JSON string or number, too long, or has control characters.
	ErrnoParam = "10004"
	// ErrnoUnknownAccount: fromext is not a configured account.
	ErrnoUnknownAccount = "10006"
	// ErrnoUnknownCall: no live call (of that direction) has the id.
	ErrnoUnknownCall = "10007"
	// ErrnoUnknownIVR: ivrid is not an IVR's number.
	ErrnoUnknownIVR = "10012"
	// ErrnoNotUp: the call is not answered yet or is already ending.
	ErrnoNotUp = "10015"
	// ErrnoNotAllowed: outbound routes match the number but fromext may
	// use none of them.
	ErrnoNotAllowed = "10024"
	// ErrnoBadNumber: no outbound route matches the number, or the number
	// has characters a number cannot have.
	ErrnoBadNumber = "10031"
	// ErrnoBusy: the box is at its call limit (ivrbox code).
	ErrnoBusy = "10040"
	// ErrnoNoTrunk: the route's trunks are all unusable (ivrbox code).
	ErrnoNoTrunk = "10041"
	// ErrnoJSON: the body is not one JSON object, or is over MaxBody.
	ErrnoJSON = "20000"
	// ErrnoMethod: the request is not a POST.
	ErrnoMethod = "20001"
	// ErrnoBlocked: this address is blocked after too many failed logins.
	ErrnoBlocked = "20002"
	// ErrnoLogin: wrong user name or password, or the PBX API is off.
	ErrnoLogin = "20003"
	// ErrnoNoToken: the token is unknown (never issued, logged out, dropped,
	// issued before a restart or before the API user or password changed).
	ErrnoNoToken = "20004"
	// ErrnoTokenBlank: the token query parameter is missing or empty.
	ErrnoTokenBlank = "20005"
	// ErrnoTokenExpired: the token was not refreshed for TokenLifetime.
	ErrnoTokenExpired = "20006"
	// ErrnoInternal: the box could not handle the request (shutting down,
	// or an unexpected failure, which is logged).
	ErrnoInternal = "20010"
)

// errnoOf maps an error of the call manager to its errno by its code.
func errnoOf(err error) string {
	switch call.CodeOf(err) {
	case call.CodeUnknownCall:
		return ErrnoUnknownCall
	case call.CodeUnknownIVR:
		return ErrnoUnknownIVR
	case call.CodeUnknownAccount:
		return ErrnoUnknownAccount
	case call.CodeNotAllowed:
		return ErrnoNotAllowed
	case call.CodeNoRoute:
		return ErrnoBadNumber
	case call.CodeBusy:
		return ErrnoBusy
	case call.CodeNoTrunk:
		return ErrnoNoTrunk
	case call.CodeNotUp, call.CodeNotRegistered, call.CodeEnded:
		return ErrnoNotUp
	}
	return ErrnoInternal
}
