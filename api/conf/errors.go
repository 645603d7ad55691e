package conf

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ivrbox/ivrbox/firmware/call"
	rooms "github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/media/record"
)

// Code is the statusCode of an answer: six digits, "000000" on success.
type Code string

// The codes the API answers (docs/API-CONF.md lists them with their HTTP
// statuses).
const (
	CodeOK           Code = "000000" // success
	CodeUnauthorized Code = "100001" // no token, or one that does not open the conference API
	CodeTooMany      Code = "100002" // too many failed attempts from this address
	CodeNoEndpoint   Code = "100003" // no such endpoint
	CodeMethod       Code = "100004" // the endpoint does not take this method
	CodeTooLarge     Code = "100005" // the body is larger than MaxBody
	CodeMediaType    Code = "100006" // the body is not JSON (Content-Type)
	CodeMalformed    Code = "100007" // malformed JSON, unknown field, wrong type, trailing data
	CodeInvalid      Code = "100008" // a parameter's value is refused (field says which)
	CodeNoConf       Code = "200001" // no such conference
	CodeFull         Code = "200002" // the conference has its maximum of members
	CodeNoMember     Code = "200003" // no such member in the conference
	CodeConfExists   Code = "200004" // a conference with that confid exists
	CodePlay         Code = "200005" // the prompts cannot be played
	CodeTooManyConfs Code = "200006" // the box has its maximum of live conferences
	CodeRecording    Code = "200007" // record: the conference is being recorded already
	CodeNotRecording Code = "200008" // stop recording: the conference is not being recorded
	CodeStorageFull  Code = "200009" // record: the recordings' storage limit is reached
	CodeNoAccount    Code = "300001" // invite: fromext is not an account
	CodeNoRoute      Code = "300002" // invite: no outbound route matches the number
	CodeNotAllowed   Code = "300003" // invite: fromext may use no route that matches
	CodeNoTrunk      Code = "300004" // invite: the route's trunks are missing
	CodeBusy         Code = "300005" // invite: the box's call limit is reached
	CodeUnavailable  Code = "999998" // the box is shutting down, or runs no conferences
	CodeInternal     Code = "999999" // anything else
)

// apiError is an error answer: its HTTP status, code, message and, for
// CodeInvalid and CodeMalformed, the field at fault.
type apiError struct {
	status int
	code   Code
	msg    string
	field  string
	err    error // the cause, logged, never answered
}

func (e *apiError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *apiError) Unwrap() error { return e.err }

// errorBody is every error answer's shape.
type errorBody struct {
	StatusCode Code   `json:"statusCode"`
	StatusMsg  string `json:"statusMsg"`
	Field      string `json:"field,omitempty"`
}

func fail(status int, code Code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// invalid is CodeInvalid at field.
func invalid(field, format string, args ...any) *apiError {
	e := fail(http.StatusBadRequest, CodeInvalid, format, args...)
	e.field = field
	e.msg = field + ": " + e.msg
	return e
}

// roomError maps an error of the rooms to its answer.
func roomError(err error, id string) *apiError {
	var e *apiError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return e
	case errors.Is(err, rooms.ErrNoRoom):
		e = fail(http.StatusNotFound, CodeNoConf, "no such conference: %s", id)
	case errors.Is(err, rooms.ErrNoMember):
		e = fail(http.StatusNotFound, CodeNoMember, "no such member in conference %s", id)
	case errors.Is(err, rooms.ErrFull):
		e = fail(http.StatusConflict, CodeFull, "conference %s is full", id)
	case errors.Is(err, rooms.ErrExists):
		e = fail(http.StatusConflict, CodeConfExists, "conference %s exists", id)
	case errors.Is(err, rooms.ErrTooMany):
		e = fail(http.StatusServiceUnavailable, CodeTooManyConfs, "the box has its maximum of %d live conferences", rooms.MaxRooms)
	case errors.Is(err, rooms.ErrInvalid):
		e = fail(http.StatusBadRequest, CodeInvalid, "%s", strings.TrimPrefix(err.Error(), "conf: "))
	case errors.Is(err, rooms.ErrRecording):
		e = fail(http.StatusConflict, CodeRecording, "conference %s is being recorded already", id)
	case errors.Is(err, rooms.ErrNotRecording):
		e = fail(http.StatusConflict, CodeNotRecording, "conference %s is not being recorded", id)
	case errors.Is(err, record.ErrFull):
		e = fail(http.StatusInsufficientStorage, CodeStorageFull, "the recordings' storage limit is reached")
	case errors.Is(err, rooms.ErrNoRecorder), errors.Is(err, record.ErrClosed):
		e = fail(http.StatusServiceUnavailable, CodeUnavailable, "the box cannot record now")
	case errors.Is(err, rooms.ErrClosed):
		e = fail(http.StatusServiceUnavailable, CodeUnavailable, "the box is shutting down")
	default:
		e = fail(http.StatusInternalServerError, CodeInternal, "internal error")
	}
	e.err = err
	return e
}

// callCodes maps the call manager's codes for DialIVR to answers.
var callCodes = map[call.Code]struct {
	status int
	code   Code
	msg    string
}{
	call.CodeUnknownIVR:     {http.StatusNotFound, CodeNoConf, "no such conference"},
	call.CodeUnknownAccount: {http.StatusUnprocessableEntity, CodeNoAccount, "fromext is not an account"},
	call.CodeNoRoute:        {http.StatusUnprocessableEntity, CodeNoRoute, "no outbound route matches the number"},
	call.CodeNotAllowed:     {http.StatusForbidden, CodeNotAllowed, "fromext may use no outbound route that matches the number"},
	call.CodeNoTrunk:        {http.StatusServiceUnavailable, CodeNoTrunk, "the route has no usable trunk"},
	call.CodeBusy:           {http.StatusServiceUnavailable, CodeBusy, "the box's call limit is reached"},
	call.CodeBadRequest:     {http.StatusBadRequest, CodeInvalid, "refused"},
	call.CodeShutdown:       {http.StatusServiceUnavailable, CodeUnavailable, "the box is shutting down"},
}

// dialError maps an error of DialIVR to its answer, with the call
// manager's detail.
func dialError(err error) *apiError {
	c, ok := callCodes[call.CodeOf(err)]
	if !ok {
		return &apiError{status: http.StatusInternalServerError, code: CodeInternal, msg: "internal error", err: err}
	}
	msg := c.msg
	var ce *call.Error
	if errors.As(err, &ce) && ce.Msg != "" {
		msg += ": " + ce.Msg
	}
	return &apiError{status: c.status, code: c.code, msg: msg, err: err}
}

// bodyError maps a JSON decoding error to its answer.
func bodyError(err error) *apiError {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return fail(http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is larger than %d bytes", MaxBody)
	case errors.As(err, &syntax):
		return fail(http.StatusBadRequest, CodeMalformed, "malformed JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typ) && typ.Field == "":
		return fail(http.StatusBadRequest, CodeMalformed, "the body must be a JSON object, not %s", typ.Value)
	case errors.As(err, &typ):
		e := fail(http.StatusBadRequest, CodeMalformed, "%s: want a JSON %s, not %s", typ.Field, typ.Type, typ.Value)
		e.field = typ.Field
		return e
	case errors.Is(err, errTrailing):
		return fail(http.StatusBadRequest, CodeMalformed, "the body holds more than one JSON value")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		e := fail(http.StatusBadRequest, CodeMalformed, "unknown field %s", f)
		e.field = strings.Trim(f, `"`)
		return e
	}
	return fail(http.StatusBadRequest, CodeMalformed, "malformed JSON: %v", err)
}
