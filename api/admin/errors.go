package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/config"
)

// HTTPError is an error a handler returns to answer with Code: Msg is shown
// to the user, Problems list the fields at fault (422), Err is the cause,
// logged for 5xx and never shown. Key is the message's stable code and
// Params its values, for pages that say it in their own words (codes.go);
// httpErr fills them from its format, and an empty Key is answered as
// "http.<status>".
type HTTPError struct {
	Code     int
	Msg      string
	Key      string
	Params   map[string]any
	Problems []Problem
	Err      error
}

// Problem is one field at fault in a 422 answer.
type Problem struct {
	Field   string         `json:"field"`            // JSON path, e.g. ivrs[1].keys["x"]
	Problem string         `json:"problem"`          // what is wrong with it
	Code    string         `json:"code"`             // stable message code (config's codes)
	Params  map[string]any `json:"params,omitempty"` // the values the message names
}

// Error returns the message and the cause.
func (e *HTTPError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Code, e.Msg)
}

// Unwrap returns the cause.
func (e *HTTPError) Unwrap() error { return e.Err }

// httpErr returns an HTTPError with a formatted message, and the code and
// params of its format (messageCodes).
func httpErr(code int, format string, args ...any) *HTTPError {
	he := &HTTPError{Code: code, Msg: fmt.Sprintf(format, args...)}
	he.Key, he.Params = messageCode(format, args)
	return he
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error    string         `json:"error"`
	Code     string         `json:"code"`
	Params   map[string]any `json:"params,omitempty"`
	Problems []Problem      `json:"problems,omitempty"`
}

// handlerFunc is an endpoint: it writes a success answer or returns an error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// writeError answers with err: its HTTPError code and message, or 500.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *HTTPError
	if !errors.As(err, &he) {
		he = &HTTPError{Code: http.StatusInternalServerError, Msg: "internal error", Err: err}
	}
	if he.Code >= 500 {
		a.log.Error("admin: request failed", "method", r.Method, "path", r.URL.Path, "status", he.Code, "err", err)
	}
	for n, p := range he.Problems {
		if p.Code == "" {
			he.Problems[n].Code, he.Problems[n].Params = config.CodeInvalid, map[string]any{"detail": p.Problem}
		}
	}
	key := he.Key
	if key == "" {
		key = "http." + strconv.Itoa(he.Code)
	}
	writeJSON(w, he.Code, errorBody{Error: he.Msg, Code: key, Params: he.Params, Problems: he.Problems})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		code, data = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n'))
}

// noContent answers 204.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Body size limits.
const (
	maxJSONBody   = 64 << 10               // small JSON bodies (login, IVR, system)
	maxConfigBody = config.MaxDocumentSize // whole config documents
	maxUpload     = 20 << 20               // prompt files
	maxMultipart  = maxUpload + 1<<20      // upload request with its multipart framing
)

// decodeJSON reads one JSON value of at most limit bytes into v, refusing
// unknown fields and trailing data: 400 if malformed, 413 if too large.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	data, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	if probs := config.CheckNumbers(data, v, ""); len(probs) > 0 {
		return numbersError(probs)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err, limit)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return bodyError(err, limit)
		}
		return httpErr(http.StatusBadRequest, "malformed JSON: data after the JSON value")
	}
	return nil
}

// numbersError is the 400 answer for number fields that hold no number.
func numbersError(probs []*config.ValidationError) error {
	he := &HTTPError{Code: http.StatusBadRequest, Key: "body.not_numbers",
		Params: map[string]any{"count": len(probs), "field": probs[0].Field},
		Msg:    fmt.Sprintf("%s: %s; nothing changed", probs[0].Field, probs[0].Problem)}
	for _, p := range probs {
		he.Problems = append(he.Problems, Problem{Field: p.Field, Problem: p.Problem, Code: p.Code, Params: p.Params})
	}
	return he
}

// readBody reads the whole body, at most limit bytes (413 beyond).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return nil, bodyError(err, limit)
	}
	return data, nil
}

// bodyError maps a body read or decode error to 413 or 400.
func bodyError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &HTTPError{Code: http.StatusRequestEntityTooLarge, Key: "body.too_large",
			Params: map[string]any{"max_bytes": limit},
			Msg:    fmt.Sprintf("request body too large: the limit is %s", sizeText(limit)), Err: err}
	}
	if errors.Is(err, io.EOF) {
		return httpErr(http.StatusBadRequest, "malformed JSON: the body is empty")
	}
	return &HTTPError{Code: http.StatusBadRequest, Key: "body.malformed", Params: map[string]any{"detail": err.Error()},
		Msg: "malformed JSON: " + err.Error(), Err: err}
}

// sizeText writes n bytes for people: 20 MiB, 64 KiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// importError maps a config.Import error: 422 with the problems, 413 for
// an oversized document, 400 for a malformed one.
func importError(err error, what string) error {
	switch {
	case len(config.Problems(err)) > 0:
		return storeError(err, what)
	case errors.Is(err, config.ErrTooLarge):
		return &HTTPError{Code: http.StatusRequestEntityTooLarge, Msg: err.Error(), Err: err}
	}
	return &HTTPError{Code: http.StatusBadRequest, Msg: err.Error(), Err: err}
}

// storeError maps a store write error: 422 with the problems when
// config.Validate refused the change, the HTTPError a change function
// returned, else the error itself (500).
func storeError(err error, what string) error {
	probs := config.Problems(err)
	if len(probs) == 0 {
		return err
	}
	he := &HTTPError{Code: http.StatusUnprocessableEntity, Err: err, Key: "config.invalid",
		Params: map[string]any{"what": what, "count": len(probs), "field": probs[0].Field},
		Msg:    fmt.Sprintf("%s: %d problems, nothing changed", what, len(probs))}
	if len(probs) == 1 {
		he.Msg = fmt.Sprintf("%s: %s; nothing changed", what, probs[0].Error())
	}
	for _, p := range probs {
		he.Problems = append(he.Problems, Problem{Field: p.Field, Problem: p.Problem, Code: p.Code, Params: p.Params})
	}
	return he
}

// callStatus maps each call.Code to the HTTP status answered and the plain
// words the message starts with.
var callStatus = map[call.Code]struct {
	code int
	msg  string
}{
	call.CodeUnknownCall: {http.StatusNotFound, "no such live call"},
	call.CodeBadRequest:  {http.StatusBadRequest, "refused"},
	call.CodeLimit:       {http.StatusConflict, "limit reached"},
	call.CodeStorageFull: {http.StatusInsufficientStorage, "the recordings' storage limit is reached: delete some recordings"},
	call.CodeUnsupported: {http.StatusNotImplemented, "this box cannot do that"},
	call.CodeNotOwner:    {http.StatusConflict, "this controller no longer has the call"},
	call.CodeNotOffered:  {http.StatusConflict, "the call is not offered to controllers under that key"},
	call.CodeTaken:       {http.StatusConflict, "another controller has the call (send \"reaccept\": true to take it over)"},
	call.CodeEnded:       {http.StatusGone, "the call has ended"},
	call.CodeNotUp:       {http.StatusConflict, "the call is not answered yet, or is ending"},
	call.CodeQueueFull:   {http.StatusTooManyRequests, "too many commands are waiting on the call"},
	call.CodeShutdown:    {http.StatusServiceUnavailable, "the box is shutting down"},
}

// callError maps a call-control error to its HTTP status (callStatus; 500
// for anything else) with a message in plain words and the detail.
func callError(err error) error {
	st, ok := callStatus[call.CodeOf(err)]
	if !ok {
		return &HTTPError{Code: http.StatusInternalServerError, Msg: "internal error", Err: err}
	}
	key := "call." + string(call.CodeOf(err))
	msg := st.msg
	var ce *call.Error
	if errors.As(err, &ce) && ce.Code != call.CodeEnded {
		detail := ce.Msg
		if ce.Err != nil {
			detail = strings.TrimPrefix(detail+": "+ce.Err.Error(), ": ")
		}
		if detail != "" {
			msg += ": " + detail
		}
	}
	return &HTTPError{Code: st.code, Msg: msg, Key: key, Err: err}
}
