package admin

import (
	"path"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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

// FuzzRecordingPath: a path checkRecordingPath accepts is a clean relative
// slash path inside the recordings folder, with no backslash or control
// character.
func FuzzRecordingPath(f *testing.F) {
	for _, s := range []string{"2025/03/01/1700000000.1-r1.wav", "../x", "/etc/passwd", "a\x00b", `..\x`, "a/./b", "a//b", "a/", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if checkRecordingPath(p) != nil {
			return
		}
		if path.Clean(p) != p || strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") ||
			strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") || strings.Contains(p, `\`) ||
			strings.ContainsFunc(p, unicode.IsControl) || len(p) > maxRecordingPath || !utf8.ValidString(p) {
			t.Fatalf("accepted %q", p)
		}
	})
}
