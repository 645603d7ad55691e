package config

import (
	"errors"
	"strings"
	"testing"
)

func TestExpandPrompt(t *testing.T) {
	vars := map[string]string{
		VarExten: "6500", VarCallerID: "+8613800138000", VarCallee: "10086", VarCallID: "1495698843.215",
	}
	tests := []struct {
		name, prompt string
		vars         map[string]string
		want         string // "" means an error
		valueErr     bool   // the error is about a variable's value
	}{
		{"no variables", "notice", vars, "notice", false},
		{"seed path", "/tmp/media/networkdisk1/${EXTEN}", vars, "/tmp/media/networkdisk1/6500", false},
		{"several", "${CALLERID}-${CALLEE}/${CALLID}", vars, "+8613800138000-10086/1495698843.215", false},
		{"dollar without brace", "a$b", vars, "a$b", false},
		{"unknown", "${FOO}", vars, "", false},
		{"unclosed", "x${EXTEN", vars, "", false},
		{"empty value", "${CALLERID}", map[string]string{}, "", true},
		{"slash in value", "/d/${CALLERID}", map[string]string{VarCallerID: "../../etc/passwd"}, "", true},
		{"backslash in value", "${CALLERID}", map[string]string{VarCallerID: `a\b`}, "", true},
		{"dotdot value", "/d/${CALLERID}/x", map[string]string{VarCallerID: ".."}, "", true},
		{"dot value", "${CALLERID}", map[string]string{VarCallerID: "."}, "", true},
		{"NUL in value", "${CALLERID}", map[string]string{VarCallerID: "1\x002"}, "", true},
		{"too long after expansion", "${CALLERID}", map[string]string{VarCallerID: string(make([]byte, 300))}, "", true},
		{"value looks like a variable", "${CALLERID}", map[string]string{VarCallerID: "${EXTEN}"}, "${EXTEN}", false},
		{"URL path value escaped", "https://media.example/ivr/${CALLERID}.wav", map[string]string{VarCallerID: "a?b#c d"},
			"https://media.example/ivr/a%3Fb%23c%20d.wav", false},
		{"URL query value escaped", "http://media.example/say?n=${CALLERID}&l=en", map[string]string{VarCallerID: "1&x=2"},
			"http://media.example/say?n=1%26x%3D2&l=en", false},
		{"long URL", "https://media.example/" + strings.Repeat("a", 900) + ".wav", vars,
			"https://media.example/" + strings.Repeat("a", 900) + ".wav", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandPrompt(tt.prompt, func(v string) string { return tt.vars[v] })
			if tt.want == "" {
				if err == nil {
					t.Fatalf("ExpandPrompt = %q, want an error", got)
				}
				if got != "" {
					t.Errorf("result %q with an error", got)
				}
				if tt.valueErr && !errors.Is(err, errPromptValue) && tt.name != "too long after expansion" {
					t.Errorf("error %v is not about the value", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ExpandPrompt = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
