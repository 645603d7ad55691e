package ws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message names of the protocol.
const (
	MsgNotify    = "notify"    // an event of a subscribed class
	MsgError     = "error"     // the answer to a frame that names no request
	MsgSubscribe = "subscribe" // subscribe to event classes
	MsgUnsub     = "unsubscribe"
	MsgPing      = "ping"
	MsgConnInfo  = "connection_info"

	MsgAccept    = "ivrapi_accept"
	MsgReaccept  = "ivrapi_reaccept"
	MsgAbort     = "ivrapi_abort"
	MsgApply     = "ivrapi_component_apply"
	MsgTerminate = "ivrapi_component_terminate"
	MsgGetPath   = "ivrapi_file_get_path"
	MsgUpTemp    = "ivrapi_file_upload_temp"
	MsgUpStatic  = "ivrapi_file_upload_static"
	MsgUpStatic2 = "file_upload_static" // the same, without a controlled session

	MsgStopped = "ivrapi_component_stopped" // event: a component ended
	MsgDTMF    = "ivrapi_dtmf"              // event: a key, to the owner only
)

// Event classes.
const (
	ClassIVR  = "ivrevents"
	ClassCall = "callevents"
)

// resultSuffix makes the name of a request's answer.
const resultSuffix = "_result"

// frame is one message from a client: ["name", {...}].
type frame struct {
	name string
	qid  json.RawMessage // echoed as sent (a number or a string); nil when absent
	body json.RawMessage // the object
}

// parseFrame splits a text message into its name and object. The qid is
// taken when the object has one, even if the rest is wrong, so that the
// error can name it.
func parseFrame(data []byte) (frame, *Error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return frame{}, errf(CodeMalformed, "a message is a JSON array [name, object]: %s", shortErr(err))
	}
	if len(parts) != 2 {
		return frame{}, errf(CodeMalformed, "a message is a JSON array of 2 elements [name, object], not %d", len(parts))
	}
	var f frame
	if err := json.Unmarshal(parts[0], &f.name); err != nil || f.name == "" {
		return frame{}, errf(CodeMalformed, "the first element must be the message name (a string)")
	}
	if len(f.name) > 64 || !utf8.ValidString(f.name) {
		return frame{}, errf(CodeMalformed, "the message name is not valid")
	}
	body := bytes.TrimSpace(parts[1])
	if len(body) == 0 || body[0] != '{' {
		return f, errf(CodeMalformed, "the second element of %.64s must be an object", f.name)
	}
	f.body = body
	var q struct {
		QID json.RawMessage `json:"qid"`
	}
	if err := json.Unmarshal(body, &q); err != nil {
		return f, errf(CodeMalformed, "%.64s: %s", f.name, shortErr(err))
	}
	if len(q.QID) > 0 && !bytes.Equal(q.QID, []byte("null")) {
		if len(q.QID) > 128 || (q.QID[0] != '"' && !isNumber(q.QID)) {
			return f, errf(CodeMalformed, "%.64s: qid must be a number or a string of at most 128 bytes", f.name)
		}
		f.qid = q.QID
	}
	return f, nil
}

func isNumber(b []byte) bool {
	_, err := strconv.ParseFloat(string(b), 64)
	return err == nil
}

// decode reads the frame's object into v, refusing unknown shapes with a
// clear error.
func (f frame) decode(v any) *Error {
	if err := json.Unmarshal(f.body, v); err != nil {
		return errf(CodeMalformed, "%.64s: %s", f.name, shortErr(err))
	}
	return nil
}

// shortErr is a JSON error as a client sees it, never quoting much of the
// input.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// encode makes the text of ["name", v].
func encode(name string, v any) []byte {
	b, err := json.Marshal([2]any{name, v})
	if err != nil { // only our own types are encoded
		b, _ = json.Marshal([2]any{MsgError, map[string]any{"error": errorBody{Code: CodeInternal, Reason: "internal", Message: err.Error()}}})
	}
	return b
}

// flexInt is an integer field the vendor's examples send as a number or
// as a numeric string ("recTimeSec": "10").
type flexInt struct {
	set bool
	n   int
}

// UnmarshalJSON accepts 10, "10", "" (unset) and null (unset).
func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != float64(int(v)) || v < -1e9 || v > 1e9 {
		return fmt.Errorf("%.20q is not an integer", s)
	}
	f.set, f.n = true, int(v)
	return nil
}

// or returns the value, or def when unset.
func (f flexInt) or(def int) int {
	if !f.set {
		return def
	}
	return f.n
}

// keyList reads the seed's key lists ("4, 5, 6", "456", "#") into the keys
// they name; anything but 0-9, *, #, A-D, spaces and commas is an error.
func keyList(s string) (string, error) {
	var out strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#', r >= 'A' && r <= 'D':
			if !strings.ContainsRune(out.String(), r) {
				out.WriteRune(r)
			}
		case r >= 'a' && r <= 'd':
			r -= 'a' - 'A'
			if !strings.ContainsRune(out.String(), r) {
				out.WriteRune(r)
			}
		case r == ' ' || r == ',' || r == ';':
		default:
			return "", fmt.Errorf("%.20q is not a key", string(r))
		}
	}
	return out.String(), nil
}
