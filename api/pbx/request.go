package pbx

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// MaxBody is the largest request body accepted.
const MaxBody = 64 << 10

// maxValue is the longest parameter value accepted, in bytes.
const maxValue = 256

// errNotObject means a body is not one JSON object.
var errNotObject = errors.New("pbx: body is not a JSON object")

// params are a request's parameters: each JSON string or number value as
// text (numbers as written, so 6500 and "6500" are the same). Values of other
// types, over maxValue bytes or with control characters are recorded as bad.
type params struct {
	v   map[string]string
	bad map[string]bool
}

// decodeParams parses a request body. An empty body (or only white space) is
// no parameters; anything else must be one JSON object.
func decodeParams(body []byte) (params, error) {
	p := params{v: map[string]string{}, bad: map[string]bool{}}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return p, nil
	}
	if body[0] != '{' {
		return p, errNotObject
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return p, errors.Join(errNotObject, err)
	}
	for k, r := range raw {
		switch r[0] {
		case '"':
			var s string
			if json.Unmarshal(r, &s) != nil || !cleanValue(s) {
				p.bad[k] = true
				continue
			}
			p.v[k] = strings.TrimSpace(s)
		case 'n': // null: as if absent
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			s := string(r)
			if !cleanValue(s) {
				p.bad[k] = true
				continue
			}
			p.v[k] = s
		default: // true, false, objects, arrays
			p.bad[k] = true
		}
	}
	return p, nil
}

// cleanValue reports whether s is short valid UTF-8 without control
// characters.
func cleanValue(s string) bool {
	if len(s) > maxValue || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// need returns the required parameter name, or ErrnoParam.
func (p params) need(name string) (string, string) {
	v, errno := p.opt(name)
	if errno == "" && v == "" {
		return "", ErrnoParam
	}
	return v, errno
}

// opt returns the optional parameter name ("" when absent), or ErrnoParam
// when it is bad.
func (p params) opt(name string) (string, string) {
	if p.bad[name] {
		return "", ErrnoParam
	}
	return p.v[name], ""
}

// validNumber reports whether s can be a dialled number or a local target:
// 1–64 of the characters digits, letters, * # + . _ - @.
func validNumber(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case strings.IndexByte("*#+._-@", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// splitIDs splits a comma-separated id list, dropping empty items.
func splitIDs(s string) []string {
	var ids []string
	for id := range strings.SplitSeq(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}
