package prompt

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Labels of the two places that are not mounts (mount labels start with '/').
const (
	placeDir     = "dir"
	placeBuiltin = "builtin"
)

// place is somewhere a name is looked up.
type place struct {
	label  string // placeDir, placeBuiltin or the mount prefix
	src    Source
	pinned bool
}

// display returns how a file in p is named in messages and Audio.Name.
func (p place) display(rel string) string {
	switch p.label {
	case placeDir:
		return rel
	case placeBuiltin:
		return "builtin:" + rel
	}
	return p.label + "/" + rel
}

// location is a file found for a name.
type location struct {
	key     key
	src     Source
	path    string // relative to src
	display string
	stamp   stamp
	pinned  bool

	decodeAs string // the name whose extension picks the decoder; "" means path
	msg      string // how errors name the file; "" means the name and display
}

// locate finds the file for name: the first candidate file name (see
// candidates) that exists in the first place that has one.
func (c *Cache) locate(ctx context.Context, name string) (location, error) {
	clean, err := checkName(name)
	if err != nil {
		return location{}, fmt.Errorf("prompt %q: %w", name, err)
	}
	places, rel, err := c.places(clean)
	if err != nil {
		return location{}, fmt.Errorf("prompt %q: %w", name, err)
	}
	var where []string
	for _, p := range places {
		for _, cand := range candidates(rel) {
			fi, err := p.src.Stat(ctx, cand)
			switch {
			case err == nil && fi.Mode().IsRegular():
				return location{
					key:     key{p.label, cand},
					src:     p.src,
					path:    cand,
					display: p.display(cand),
					stamp:   stamp{fi.Size(), fi.ModTime().UnixNano()},
					pinned:  p.pinned,
				}, nil
			case err == nil, errors.Is(err, fs.ErrNotExist):
				continue
			}
			return location{}, fmt.Errorf("prompt %q: %s: %w", name, p.display(cand), err)
		}
		where = append(where, p.label)
	}
	return location{}, fmt.Errorf("prompt %q: %w (looked in %s for %s)", name, ErrNotFound,
		strings.Join(where, ", "), strings.Join(candidates(rel), " "))
}

// places returns where a clean name is looked up, in order, and the name
// relative to them. A relative name is looked up in the local folder and then
// the built-in set; an absolute one only in the Source mounted at its longest
// matching prefix (or the local folder by its absolute path).
func (c *Cache) places(clean string) ([]place, string, error) {
	if !strings.HasPrefix(clean, "/") {
		var ps []place
		if c.dir != nil {
			ps = append(ps, place{label: placeDir, src: c.dir})
		}
		return append(ps, place{label: placeBuiltin, src: c.builtin, pinned: true}), clean, nil
	}
	var best place
	var bestLen int
	if c.dir != nil && under(clean, c.dirAbs) {
		best, bestLen = place{label: placeDir, src: c.dir}, len(c.dirAbs)
	}
	c.mu.Lock()
	for prefix, src := range c.mounts {
		if len(prefix) > bestLen && under(clean, prefix) {
			best, bestLen = place{label: prefix, src: src}, len(prefix)
		}
	}
	c.mu.Unlock()
	if best.src == nil {
		return nil, "", fmt.Errorf("%w: no prompt folder or disk is mounted at %s", ErrNotFound, dirOf(clean))
	}
	return []place{best}, clean[bestLen+1:], nil
}

// under reports whether the clean absolute name is inside folder prefix.
func under(name, prefix string) bool {
	if prefix == "" || prefix == "/" {
		return false
	}
	return len(name) > len(prefix)+1 && name[len(prefix)] == '/' && strings.HasPrefix(name, prefix)
}

// dirOf returns the folder part of a slash path.
func dirOf(name string) string {
	if i := strings.LastIndexByte(name, '/'); i > 0 {
		return name[:i]
	}
	return "/"
}
