package config

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestEveryProblemHasACode: every message format the validator uses is in
// problemCodes, so no problem reaches the page without a code.
func TestEveryProblemHasACode(t *testing.T) {
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
			sel, ok := c.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "add" || len(c.Args) < 2 {
				return true
			}
			lit, ok := c.Args[1].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			format, _ := strconv.Unquote(lit.Value)
			seen++
			pc, ok := problemCodes[format]
			if !ok {
				t.Errorf("%s: format %q has no code in problemCodes", fs.Position(c.Pos()), format)
			} else if len(pc.params) > len(c.Args)-2 {
				t.Errorf("%s: format %q names %d params for %d arguments", fs.Position(c.Pos()), format, len(pc.params), len(c.Args)-2)
			}
			return true
		})
	}
	if seen < 50 {
		t.Fatalf("found only %d add calls: the test no longer sees them", seen)
	}
}

func TestProblemParams(t *testing.T) {
	c := Defaults()
	c.IVRs = append(c.IVRs, IVR{Number: "6590", Keys: map[string]Action{"1": {Type: ActIVR, Target: "7777"}}})
	var got *ValidationError
	for _, p := range Problems(Validate(c)) {
		if p.Field == `ivrs[`+strconv.Itoa(len(c.IVRs)-1)+`].keys["1"].target` {
			got = p
		}
	}
	if got == nil {
		t.Fatalf("no problem on the key's target in %v", Validate(c))
	}
	if got.Code != "ref.ivr_missing" || got.Params["number"] != "7777" {
		t.Fatalf("problem = %+v, want ref.ivr_missing with number 7777", got)
	}
}

// numberPaths lists a JSON document for t that reaches each number field
// of t (one list element, one map key "1"), with the field's path.
func numberPaths(t reflect.Type, path string, wrap func(any) any, out map[string]any) {
	if strings.Count(path, ".") > 6 { // recursive types (an action's next)
		return
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
			return
		}
		fields := map[string]reflect.Type{}
		jsonFields(t, fields)
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
			numberPaths(f.Type, p, func(v any) any { return wrap(map[string]any{name: v}) }, out)
		}
	case reflect.Slice:
		numberPaths(t.Elem(), path+"[0]", func(v any) any { return wrap([]any{v}) }, out)
	case reflect.Map:
		numberPaths(t.Elem(), path+`["1"]`, func(v any) any { return wrap(map[string]any{"1": v}) }, out)
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint32, reflect.Uint64, reflect.Float64:
		out[path] = wrap("abc")
	}
}

// TestCheckNumbersEveryField: each number field of the config filled with
// "abc" is named by CheckNumbers, and so refused by Import.
func TestCheckNumbersEveryField(t *testing.T) {
	docs := map[string]any{}
	numberPaths(reflect.TypeFor[Config](), "", func(v any) any { return v }, docs)
	if len(docs) < 20 {
		t.Fatalf("only %d number fields found", len(docs))
	}
	for path, doc := range docs {
		data, _ := json.Marshal(doc)
		probs := CheckNumbers(data, &Config{}, "")
		if len(probs) != 1 || probs[0].Field != path || probs[0].Code != CodeNotNumber {
			t.Errorf("%s: problems %v", path, probs)
		}
	}
	for _, bad := range []string{`null`, `true`, `"3"`, `[]`, `{}`} {
		data := []byte(`{"version": 2, "ivrs": [{"number": "6500", "digit_timeout": ` + bad + `}]}`)
		probs := CheckNumbers(data, &Config{}, "")
		if len(probs) != 1 || probs[0].Field != "ivrs[0].digit_timeout" {
			t.Errorf("%s: problems %v", bad, probs)
		}
		if _, err := Import(data); err == nil || !strings.Contains(err.Error(), "ivrs[0].digit_timeout") {
			t.Errorf("Import with %s: %v", bad, err)
		}
	}
	for doc, code := range map[string]string{`{"repeat": 1.5}`: CodeNotWhole, `{"repeat": 1e99}`: CodeTooBig} {
		probs := CheckNumbers([]byte(doc), &IVR{}, "ivrs[2]")
		if len(probs) != 1 || probs[0].Field != "ivrs[2].repeat" || probs[0].Code != code {
			t.Errorf("%s: problems %v, want %s", doc, probs, code)
		}
	}
	if probs := CheckNumbers([]byte(`{"repeat": 2, "digit_timeout": 0}`), &IVR{}, ""); len(probs) != 0 {
		t.Errorf("good numbers refused: %v", probs)
	}
}
