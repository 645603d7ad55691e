package admin

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// numberDocs returns, for each number field of t, a JSON document that
// fills only that field with "abc" (one list element, one map key "1"),
// by the field's JSON path.
func numberDocs(t reflect.Type) map[string]any {
	out := map[string]any{}
	var walk func(t reflect.Type, path string, wrap func(any) any)
	walk = func(t reflect.Type, path string, wrap func(any) any) {
		if strings.Count(path, ".") > 6 {
			return // recursive types (an action's next)
		}
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Struct:
			if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
				return
			}
			for i := range t.NumField() {
				f := t.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" || name == "" || !f.IsExported() {
					continue
				}
				p := name
				if path != "" {
					p = path + "." + name
				}
				walk(f.Type, p, func(v any) any { return wrap(map[string]any{name: v}) })
			}
		case reflect.Slice:
			walk(t.Elem(), path+"[0]", func(v any) any { return wrap([]any{v}) })
		case reflect.Map:
			walk(t.Elem(), path+`["1"]`, func(v any) any { return wrap(map[string]any{"1": v}) })
		case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint32, reflect.Uint64, reflect.Float64:
			out[path] = wrap("abc")
		}
	}
	walk(t, "", func(v any) any { return v })
	return out
}

// TestNumberFieldsRefuseText: every number field of every admin API body
// that holds one (IVRs, system, routes, trunks, accounts, disks, the whole
// config) answers "abc" or null with an error naming the field, and stores
// nothing.
func TestNumberFieldsRefuseText(t *testing.T) {
	e := newEnv(t)
	who := e.login()
	before := e.st.Config()
	endpoints := []struct {
		method, path string
		typ          reflect.Type
		code         int
	}{
		{"POST", "ivrs", reflect.TypeFor[config.IVR](), http.StatusBadRequest},
		{"PUT", "ivrs/6500", reflect.TypeFor[config.IVR](), http.StatusBadRequest},
		{"PUT", "system", reflect.TypeFor[systemJSON](), http.StatusBadRequest},
		{"PUT", "routes", reflect.TypeFor[routesJSON](), http.StatusBadRequest},
		{"POST", "trunks", reflect.TypeFor[trunkBody](), http.StatusBadRequest},
		{"POST", "accounts", reflect.TypeFor[accountBody](), http.StatusBadRequest},
		{"POST", "disks", reflect.TypeFor[diskBody](), http.StatusBadRequest},
		{"PUT", "config", reflect.TypeFor[config.Config](), http.StatusUnprocessableEntity},
	}
	total := 0
	for _, ep := range endpoints {
		for field, doc := range numberDocs(ep.typ) {
			if field == "version" {
				continue // read before the rest (a config document must have one)
			}
			if m, ok := doc.(map[string]any); ok && ep.path == "config" {
				m["version"] = config.SchemaVersion
			}
			total++
			var body errorBody
			e.do(who, ep.method, ep.path, doc).want(t, ep.code).decode(t, &body)
			if len(body.Problems) != 1 || body.Problems[0].Field != field || body.Problems[0].Code != config.CodeNotNumber {
				t.Errorf("%s %s with %s = \"abc\": %+v", ep.method, ep.path, field, body)
			}
			if body.Code == "" || !strings.Contains(body.Error, field) {
				t.Errorf("%s %s with %s: error %q code %q does not name the field", ep.method, ep.path, field, body.Error, body.Code)
			}
		}
	}
	if total < 30 {
		t.Fatalf("only %d number fields tried", total)
	}
	// The cases of the issue: a digit timeout "abc" or null, a wait "x", a
	// route's strip "x".
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "ivrs", `{"number": "6600", "digit_timeout": "abc"}`, "digit_timeout"},
		{"POST", "ivrs", `{"number": "6600", "digit_timeout": null}`, "digit_timeout"},
		{"POST", "ivrs", `{"number": "6600", "keys": {"1": {"type": "api", "api": {"key": "k", "timeout": "x"}}}}`, `keys["1"].api.timeout`},
		{"PUT", "routes", `{"inbound": [], "outbound": [{"name": "o", "patterns": ["X."], "strip": "x", "trunks": []}]}`, "outbound[0].strip"},
	} {
		var body errorBody
		e.do(who, c.method, c.path, c.body).want(t, http.StatusBadRequest).decode(t, &body)
		if len(body.Problems) != 1 || body.Problems[0].Field != c.field {
			t.Errorf("%s %s %s: %+v, want the field %s", c.method, c.path, c.body, body, c.field)
		}
	}
	if after := e.st.Config(); !reflect.DeepEqual(before, after) {
		t.Error("a refused body changed the config")
	}
}

// TestEveryMessageHasACode: every format given to httpErr in the package
// has a code in messageCodes with no more params than arguments.
func TestEveryMessageHasACode(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fs := token.NewFileSet()
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fs, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			id, ok := c.Fun.(*ast.Ident)
			if !ok || id.Name != "httpErr" || len(c.Args) < 2 {
				return true
			}
			lit, ok := c.Args[1].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: httpErr with a format that is not a literal", fs.Position(c.Pos()))
				return true
			}
			format, _ := strconv.Unquote(lit.Value)
			seen++
			mc, ok := messageCodes[format]
			if !ok {
				t.Errorf("%s: format %q has no code in messageCodes", fs.Position(c.Pos()), format)
			} else if len(mc.params) > len(c.Args)-2 {
				t.Errorf("%s: format %q names %d params for %d arguments", fs.Position(c.Pos()), format, len(mc.params), len(c.Args)-2)
			}
			return true
		})
	}
	if seen < 50 {
		t.Fatalf("found only %d httpErr calls", seen)
	}
}

// TestErrorCodes: answers carry the code and params the page translates.
func TestErrorCodes(t *testing.T) {
	e := newEnv(t)
	who := e.login()
	var body errorBody
	e.do(who, "POST", "ivrs", `{"number": "6500"}`).want(t, http.StatusConflict).decode(t, &body)
	if body.Code != "ivr.number_taken" || body.Params["number"] != "6500" {
		t.Errorf("duplicate IVR: %+v", body)
	}
	e.do(who, "POST", "ivrs", `{"number": "6600", "keys": {"1": {"type": "ivr", "target": "7777"}}}`).
		want(t, http.StatusUnprocessableEntity).decode(t, &body)
	if body.Code != "config.invalid" || len(body.Problems) != 1 || body.Problems[0].Code != "ref.ivr_missing" ||
		body.Problems[0].Params["number"] != "7777" || body.Problems[0].Field != `ivrs[`+strconv.Itoa(len(e.st.Config().IVRs))+`].keys["1"].target` {
		t.Errorf("missing target: %+v", body)
	}
	e.do(who, "GET", "nowhere", nil).want(t, http.StatusNotFound).decode(t, &body)
	if body.Code != "endpoint.unknown" {
		t.Errorf("unknown endpoint: %+v", body)
	}
}
