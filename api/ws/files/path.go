package files

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The storages of the API, by their canonical (short) names.
const (
	SynMedia    = "SYN_MEDIA"     // :SYNC_COMMON
	SynDom      = "SYN_DOM"       // :SYNC_DOMAIN_DATA, the default
	SynDomMedia = "SYN_DOM_MEDIA" // :SYNC_DOMAIN_COMMON
	SSPub       = "SS_PUB"        // :SITESHARE_PUBLIC
	SSDom       = "SS_DOM"        // :SITESHARE_DOMAIN_DATA
	GSPub       = "GS_PUB"        // :GLOBALSHARE_PUBLIC
	GSDom       = "GS_DOM"        // :GLOBALSHARE_DOMAIN_DATA
	Temp        = "TEMP"          // the session's temp folder

	// Default is the storage of a path without a prefix.
	Default = SynDom
)

// Limits of a path.
const (
	// MaxPathLen bounds a path, as given and in its canonical form, in
	// bytes.
	MaxPathLen = 512
	// maxElemLen bounds one element of a path (the file system's limit).
	maxElemLen = 255
)

// Mapping is one static storage: its canonical name, the other names its
// prefix may have, and its folder relative to Options.PromptDir
// (slash-separated).
type Mapping struct {
	Storage string
	Aliases []string
	Folder  string
}

// table lists the static storages in the order of the seed.
var table = []Mapping{
	{SynMedia, []string{"SYNC_COMMON"}, "ivrapi/sync_common"},
	{SynDom, []string{"SYNC_DOMAIN_DATA"}, "ivrapi/sync_domain_data"},
	{SynDomMedia, []string{"SYNC_DOMAIN_COMMON"}, "ivrapi/sync_domain_common"},
	{SSPub, []string{"SITESHARE_PUBLIC"}, "ivrapi/siteshare_public"},
	{SSDom, []string{"SITESHARE_DOMAIN_DATA"}, "ivrapi/siteshare_domain_data"},
	{GSPub, []string{"GLOBALSHARE_PUBLIC"}, "ivrapi/globalshare_public"},
	{GSDom, []string{"GLOBALSHARE_DOMAIN_DATA"}, "ivrapi/globalshare_domain_data"},
}

// storageOf maps every prefix name (upper case, no colon) to its storage.
var storageOf = func() map[string]string {
	m := map[string]string{Temp: Temp}
	for _, t := range table {
		m[t.Storage] = t.Storage
		for _, a := range t.Aliases {
			m[a] = t.Storage
		}
	}
	return m
}()

// Table returns the static storages, for documentation and the prompts
// page. :TEMP is not in it: its files live in per-session folders under
// Options.TempDir.
func Table() []Mapping {
	out := make([]Mapping, len(table))
	for i, t := range table {
		out[i] = t
		out[i].Aliases = append([]string(nil), t.Aliases...)
	}
	return out
}

// Folder returns the folder of a static storage relative to
// Options.PromptDir, and false for TEMP or an unknown name.
func Folder(storage string) (string, bool) {
	for _, t := range table {
		if t.Storage == storage {
			return t.Folder, true
		}
	}
	return "", false
}

// Path is a file path of the API: a storage and a path inside it.
//
// Storage is the canonical short name (SynMedia … GSDom, or Temp). Rel is
// slash-separated, relative and clean: no "", "." or ".." element, no
// leading or trailing slash; "" is the storage's root folder. A Path made
// by Parse always satisfies this; the methods of Store refuse one that does
// not.
type Path struct {
	Storage string
	Rel     string
}

// String returns the path in canonical form, ":GS_PUB/x/y/14.mp3" (short
// prefix), or ":GS_PUB" for a storage's root. The zero Path gives "".
func (p Path) String() string {
	switch {
	case p.Storage == "":
		return ""
	case p.Rel == "":
		return ":" + p.Storage
	}
	return ":" + p.Storage + "/" + p.Rel
}

// isTemp reports whether p is in the session's temp folder.
func (p Path) isTemp() bool { return p.Storage == Temp }

// Parse parses a file path of the API: ":GS_PUB/x/y/14.mp3",
// ":GLOBALSHARE_PUBLIC/x/14.mp3", ":TEMP/14.mp3", or "x/y.wav" (no prefix:
// the Default storage). Prefixes are matched in any case. Empty and "."
// elements are dropped ("x//./y" is "x/y"); ":GS_PUB", ":GS_PUB/" and ""
// name a storage's root. Anything else malformed gives an error wrapping
// ErrBadPath.
func Parse(p string) (Path, error) {
	if err := checkChars(p); err != nil {
		return Path{}, err
	}
	storage, rel := Default, p
	if strings.HasPrefix(p, ":") {
		prefix, rest, _ := strings.Cut(p[1:], "/")
		st, ok := storageOf[strings.ToUpper(prefix)]
		if !ok {
			return Path{}, fmt.Errorf("%w: %q: unknown storage :%s", ErrBadPath, short(p), short(prefix))
		}
		storage, rel = st, rest
	}
	rel, err := cleanRel(p, rel)
	if err != nil {
		return Path{}, err
	}
	out := Path{Storage: storage, Rel: rel}
	if n := len(out.String()); n > MaxPathLen {
		return Path{}, fmt.Errorf("%w: %q is %d bytes long, the limit is %d", ErrBadPath, short(p), n, MaxPathLen)
	}
	return out, nil
}

// ParseFile is Parse for a path that must name a file: it also refuses a
// storage's root and a path that ends in "/".
func ParseFile(p string) (Path, error) {
	out, err := Parse(p)
	if err != nil {
		return Path{}, err
	}
	if out.Rel == "" || strings.HasSuffix(p, "/") {
		return Path{}, fmt.Errorf("%w: %q has no file name", ErrBadPath, short(p))
	}
	return out, nil
}

// checkChars refuses what may never be in a path, whatever its shape.
func checkChars(p string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q %s", ErrBadPath, short(p), why) }
	switch {
	case len(p) > MaxPathLen:
		return fmt.Errorf("%w: %q is %d bytes long, the limit is %d", ErrBadPath, short(p), len(p), MaxPathLen)
	case !utf8.ValidString(p):
		return bad("is not valid UTF-8")
	case strings.ContainsRune(p, '\\'):
		return bad("contains a backslash (use /)")
	case strings.IndexFunc(p, unicode.IsControl) >= 0:
		return bad("contains a control character")
	}
	return nil
}

// cleanRel checks and cleans the part of p after its prefix.
func cleanRel(p, rel string) (string, error) {
	if strings.HasPrefix(rel, "/") {
		return "", fmt.Errorf("%w: %q is absolute after its prefix", ErrBadPath, short(p))
	}
	var elems []string
	for e := range strings.SplitSeq(rel, "/") {
		switch {
		case e == "" || e == ".":
			continue
		case e == "..":
			return "", fmt.Errorf("%w: %q contains \"..\"", ErrBadPath, short(p))
		case len(e) > maxElemLen:
			return "", fmt.Errorf("%w: %q has a name over %d bytes", ErrBadPath, short(p), maxElemLen)
		}
		elems = append(elems, e)
	}
	return strings.Join(elems, "/"), nil
}

// valid reports whether p could have come from Parse.
func (p Path) valid() bool {
	if _, ok := storageOf[p.Storage]; !ok || p.Storage != storageOf[p.Storage] {
		return false
	}
	q, err := Parse(p.String())
	return err == nil && q == p
}
