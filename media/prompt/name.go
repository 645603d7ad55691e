package prompt

import (
	"fmt"
	"path"
	"strings"
)

// maxNameLen bounds the length of a prompt name, in bytes.
const maxNameLen = 1024

// Expand replaces every ${VAR} in name with lookup(VAR), as the PBX seed's
// prompt names use them (/tmp/media/networkdisk1/${EXTEN}). An unknown
// variable (lookup returns "", or lookup is nil) becomes the empty string; a
// "${" without a closing brace is kept as it is; $VAR without braces is not a
// variable. A value can never add a path element: '/', '\' and control
// characters in it become '_'. Resolution rejects any ".." that remains.
func Expand(name string, lookup func(string) string) string {
	if !strings.Contains(name, "${") {
		return name
	}
	var b strings.Builder
	for {
		i := strings.Index(name, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(name[i+2:], '}')
		if j < 0 {
			break
		}
		b.WriteString(name[:i])
		if lookup != nil {
			b.WriteString(strings.Map(safeRune, lookup(name[i+2:i+2+j])))
		}
		name = name[i+2+j+1:]
	}
	b.WriteString(name)
	return b.String()
}

// safeRune maps the runes of a variable value that could change the shape of
// a path to '_'.
func safeRune(r rune) rune {
	if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
		return '_'
	}
	return r
}

// checkName rejects names that can never name a prompt and returns name
// cleaned (no "." or empty elements). Absolute names stay absolute.
func checkName(name string) (string, error) {
	switch {
	case name == "":
		return "", fmt.Errorf("%w: empty name", ErrBadName)
	case len(name) > maxNameLen:
		return "", fmt.Errorf("%w: %d bytes long, the limit is %d", ErrBadName, len(name), maxNameLen)
	case strings.ContainsRune(name, '\\'):
		return "", fmt.Errorf("%w: %q contains a backslash (use /)", ErrBadName, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("%w: %q contains a control character", ErrBadName, name)
		}
	}
	for elem := range strings.SplitSeq(name, "/") {
		if elem == ".." {
			return "", fmt.Errorf("%w: %q contains \"..\"", ErrBadName, name)
		}
	}
	clean := path.Clean(name)
	if clean == "." || clean == "/" {
		return "", fmt.Errorf("%w: %q names a folder", ErrBadName, name)
	}
	return clean, nil
}

// candidates returns the file names tried for a (relative, clean) name: the
// name itself when it has a known audio extension, otherwise the name with
// each of extensions in turn.
func candidates(name string) []string {
	if hasAudioExt(name) {
		return []string{name}
	}
	c := make([]string, len(extensions))
	for i, ext := range extensions {
		c[i] = name + ext
	}
	return c
}
