package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Variables usable in prompt names as ${NAME}, like the PBX seed's
// /tmp/media/networkdisk1/${EXTEN}.
const (
	// VarExten is the number being called: the IVR's number inside an IVR.
	VarExten = "EXTEN"
	// VarCallerID is the caller's number (the From user).
	VarCallerID = "CALLERID"
	// VarCallee is the called number: the dialled number of an inbound call,
	// the external number of a call placed by ivr/dial_outbound.
	VarCallee = "CALLEE"
	// VarCallID is the call's id as reported in API events ("callid").
	VarCallID = "CALLID"
)

// MaxPromptLen is the longest prompt name, in bytes, before and after
// variable expansion; MaxPromptURLLen the longest http(s) URL.
const (
	MaxPromptLen    = 255
	MaxPromptURLLen = 1024
)

// isURL reports whether a prompt name is an http:// or https:// URL (the
// prompt cache fetches those).
func isURL(name string) bool {
	n := strings.ToLower(name[:min(len(name), 8)])
	return strings.HasPrefix(n, "http://") || strings.HasPrefix(n, "https://")
}

var knownVars = map[string]bool{VarExten: true, VarCallerID: true, VarCallee: true, VarCallID: true}

var errPromptValue = errors.New("variable value not allowed in a prompt name")

// promptProblem says what is wrong with a prompt name ("" if nothing).
// A name is a built-in prompt ("notice", "digits/5") or a file path
// without extension ("/tmp/media/networkdisk1/notice"), and may hold the
// known variables.
func promptProblem(name string) string {
	limit := MaxPromptLen
	if isURL(name) {
		limit = MaxPromptURLLen
	}
	switch {
	case name == "":
		return "prompt name is empty"
	case len(name) > limit:
		return fmt.Sprintf("prompt name is %d bytes long, the limit is %d", len(name), limit)
	case !utf8.ValidString(name):
		return "prompt name is not valid UTF-8"
	case strings.ContainsFunc(name, unicode.IsControl):
		return "prompt name contains a control character"
	}
	for elem := range strings.FieldsFuncSeq(name, isPathSep) {
		if elem == ".." {
			return `prompt name contains a ".." path element`
		}
	}
	_, err := expand(name, func(string) (string, error) { return "x", nil })
	if err != nil {
		return err.Error()
	}
	return ""
}

// ExpandPrompt replaces the ${NAME} variables in a prompt name with
// lookup(NAME). A value that could leave the prompt directories (one holding
// a path separator or a control character, "." or "..") or is empty is an
// error, as is an expanded name that breaks the prompt name rules: callers
// choose caller ids, so their values are never trusted. In an http(s) URL
// a value is escaped (as a path segment, or as a query value after "?"),
// so it cannot change the URL's shape.
func ExpandPrompt(name string, lookup func(variable string) string) (string, error) {
	web := isURL(name)
	out, err := expandAt(name, func(v string, inQuery bool) (string, error) {
		val := lookup(v)
		if val == "" || val == "." || val == ".." ||
			strings.ContainsFunc(val, func(r rune) bool { return isPathSep(r) || unicode.IsControl(r) }) {
			return "", fmt.Errorf("${%s} = %q: %w", v, val, errPromptValue)
		}
		switch {
		case web && inQuery:
			return url.QueryEscape(val), nil
		case web:
			return url.PathEscape(val), nil
		}
		return val, nil
	})
	if err != nil {
		return "", fmt.Errorf("config: prompt %q: %w", name, err)
	}
	if p := promptProblem(out); p != "" {
		return "", fmt.Errorf("config: prompt %q expands to %q: %s", name, out, p)
	}
	return out, nil
}

// expand replaces variables using value.
func expand(name string, value func(string) (string, error)) (string, error) {
	return expandAt(name, func(v string, _ bool) (string, error) { return value(v) })
}

// expandAt replaces variables using value, which also learns whether the
// variable stands after a "?" (in a URL's query).
func expandAt(name string, value func(v string, inQuery bool) (string, error)) (string, error) {
	var b strings.Builder
	rest := name
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:i])
		rest = rest[i+2:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return "", errors.New(`prompt name has "${" without a closing "}"`)
		}
		v := rest[:end]
		if !knownVars[v] {
			return "", fmt.Errorf("unknown variable ${%s} (known: EXTEN, CALLERID, CALLEE, CALLID)", v)
		}
		val, err := value(v, strings.Contains(name[:len(name)-len(rest)], "?"))
		if err != nil {
			return "", err
		}
		b.WriteString(val)
		rest = rest[end+1:]
	}
}

func isPathSep(r rune) bool { return r == '/' || r == '\\' }
