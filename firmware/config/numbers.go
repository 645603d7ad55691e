package config

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// Codes of the problems CheckNumbers finds.
const (
	CodeNotNumber = "field.not_number" // a string, null, bool, list or object where a number goes
	CodeNotWhole  = "field.not_whole"  // a fraction where a whole number goes
	CodeTooBig    = "field.too_big"    // a whole number too big to keep
)

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// CheckNumbers finds the number fields of v's type (a pointer to a struct,
// or a struct) that data, a JSON document meant for it, fills with
// something that is not a JSON number: "abc", null, true. encoding/json
// would refuse some with a message that names the Go type and silently keep
// the zero for null; CheckNumbers names the JSON path instead, prefixed by
// prefix ("" or e.g. "ivrs[0]"). Malformed JSON gives no problems (the
// decoder reports it). At most maxProblems are returned.
func CheckNumbers(data []byte, v any, prefix string) []*ValidationError {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil
	}
	var c numberChecker
	c.walk(doc, reflect.TypeOf(v), prefix)
	return c.probs
}

type numberChecker struct{ probs []*ValidationError }

func (c *numberChecker) add(field, code, format string, args ...any) {
	if len(c.probs) < maxProblems {
		e := newProblem(field, format, args...)
		e.Code = code
		c.probs = append(c.probs, e)
	}
}

// walk checks value doc against type t at path p.
func (c *numberChecker) walk(doc any, t reflect.Type, p string) {
	if t == nil || t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if doc != nil {
			c.walk(doc, t.Elem(), p)
		}
	case reflect.Struct:
		if obj, ok := doc.(map[string]any); ok {
			c.object(obj, t, p)
		}
	case reflect.Slice, reflect.Array:
		if list, ok := doc.([]any); ok && t.Elem().Kind() != reflect.Uint8 {
			for n, x := range list {
				c.walk(x, t.Elem(), p+"["+strconv.Itoa(n)+"]")
			}
		}
	case reflect.Map:
		if obj, ok := doc.(map[string]any); ok {
			for k, x := range obj {
				c.walk(x, t.Elem(), p+"["+strconv.Quote(k)+"]")
			}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		c.number(doc, p, true)
	case reflect.Float32, reflect.Float64:
		c.number(doc, p, false)
	}
}

// number checks one number field.
func (c *numberChecker) number(doc any, p string, whole bool) {
	n, ok := doc.(json.Number)
	if !ok {
		c.add(p, CodeNotNumber, "%s must be a number", valueText(doc))
		return
	}
	if !whole {
		return
	}
	if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
		if f, ferr := strconv.ParseFloat(string(n), 64); ferr != nil || f >= 1<<63 || f <= -1<<63 {
			c.add(p, CodeTooBig, "%s is too big", string(n))
			return
		}
		c.add(p, CodeNotWhole, "%s must be a whole number", string(n))
	}
}

// object checks the members of obj against the fields of struct type t,
// matching names as encoding/json does (tag name, case-insensitively).
func (c *numberChecker) object(obj map[string]any, t reflect.Type, p string) {
	fields := map[string]reflect.Type{}
	jsonFields(t, fields)
	for k, x := range obj {
		ft, ok := fields[strings.ToLower(k)]
		if !ok {
			continue
		}
		fp := k
		if p != "" {
			fp = p + "." + k
		}
		c.walk(x, ft, fp)
	}
}

// jsonFields adds the JSON fields of struct type t to out, by lower-case
// name, with the fields of embedded structs promoted.
func jsonFields(t reflect.Type, out map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",string,") {
			continue
		}
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				jsonFields(ft, out)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := out[strings.ToLower(name)]; !dup {
			out[strings.ToLower(name)] = ft
		}
	}
}

// valueText writes a JSON value short, for a message.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 32 {
			x = x[:32] + "…"
		}
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "the value"
}
