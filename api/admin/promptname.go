package admin

import (
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ivrbox/ivrbox/media/prompt"
)

// maxPromptName is the longest prompt name accepted, in bytes.
const maxPromptName = 200

// checkPromptName refuses a name that is not a plain relative path inside
// the prompt folder: empty, absolute, with a "..", "." or empty element, a
// backslash, a NUL or other control character, a hidden element (".x"), a
// "${" (names with variables are for the config, not for files), or too
// long. The answer is 400 with what is wrong.
func checkPromptName(name string) error {
	bad := func(why string) error {
		return httpErr(http.StatusBadRequest, "prompt name %q refused: %s", name, why)
	}
	switch {
	case name == "":
		return bad("it is empty")
	case len(name) > maxPromptName:
		return bad("longer than 200 bytes")
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	case strings.ContainsFunc(name, unicode.IsControl):
		return bad("it contains a control character")
	case strings.Contains(name, `\`):
		return bad("it contains a backslash (use / between folders)")
	case strings.HasPrefix(name, "/"):
		return bad("absolute paths are not allowed")
	case strings.Contains(name, "${"):
		return bad("variables are not allowed in file names")
	}
	for elem := range strings.SplitSeq(name, "/") {
		switch {
		case elem == "" || elem == ".":
			return bad("empty or \".\" path element")
		case elem == "..":
			return bad("\"..\" is not allowed")
		case strings.HasPrefix(elem, "."):
			return bad("names starting with \".\" are not allowed")
		}
	}
	return nil
}

// promptExts are the file extensions a prompt name resolves to, in order.
var promptExts = prompt.Extensions()

// promptExt returns the extension of file if a prompt name resolves to it
// ("" if none), lower-cased.
func promptExt(file string) string {
	ext := strings.ToLower(path.Ext(file))
	if slices.Contains(promptExts, ext) {
		return ext
	}
	return ""
}

// stripAudioExt removes a prompt extension from name ("notice.wav" → "notice").
func stripAudioExt(name string) string {
	if ext := promptExt(name); ext != "" {
		return name[:len(name)-len(ext)]
	}
	return name
}
