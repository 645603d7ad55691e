package admin

import (
	"path"
	"strings"
	"testing"
	"unicode"
)

// FuzzPromptName: a name checkPromptName accepts is a clean relative slash
// path that stays inside the prompt folder, with no backslash, control
// character, hidden element or variable.
func FuzzPromptName(f *testing.F) {
	for _, s := range []string{"notice", "digits/5", "../x", "/etc/passwd", "a\x00b", `..\x`, "a/./b", ".x", "${EXTEN}", "a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if checkPromptName(name) != nil {
			return
		}
		if !strings.HasPrefix(path.Clean("/"+name), "/") || path.Clean(name) != name || strings.HasPrefix(name, "/") ||
			strings.HasPrefix(name, "..") || strings.Contains(name, "/..") || strings.Contains(name, `\`) ||
			strings.ContainsFunc(name, unicode.IsControl) || strings.Contains(name, "/.") ||
			strings.HasPrefix(name, ".") || strings.Contains(name, "${") || len(name) > maxPromptName {
			t.Fatalf("accepted %q", name)
		}
	})
}
