package disk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/ivrbox/ivrbox/media/prompt"
)

// ErrBadPath means a folder or file name given to List is not a plain
// relative path inside the disk's folder (absolute, "..", a backslash...).
var ErrBadPath = errors.New("network disk: bad path")

// Entry is one item of a folder on a disk: a sub-folder or an audio file.
type Entry struct {
	Name     string    `json:"name"` // base name: "notice.wav"
	Path     string    `json:"path"` // from the disk's folder, "/" between folders: "exam/notice.wav"
	Dir      bool      `json:"dir"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified,omitzero"`
	Audio    bool      `json:"audio,omitempty"` // an audio file a prompt name can play
}

// Limits of the listings.
const (
	// PromptMaxFiles bounds AudioFiles, per disk.
	PromptMaxFiles = 500
	promptMaxDepth = 1    // AudioFiles: the top folder and one level of sub-folders
	warmMaxFiles   = 2000 // Warm and the status' file count
	warmMaxDepth   = 4
)

// cleanDir checks a folder name relative to the disk's folder: "" and "."
// are the top; anything else must be a clean relative path (fs.ValidPath)
// without backslashes, control characters or hidden elements.
func cleanDir(dir string) (string, error) {
	if dir == "" || dir == "." {
		return ".", nil
	}
	bad := !fs.ValidPath(dir) || strings.Contains(dir, `\`) || strings.ContainsFunc(dir, unicode.IsControl)
	for elem := range strings.SplitSeq(dir, "/") {
		bad = bad || strings.HasPrefix(elem, ".")
	}
	if bad {
		return "", fmt.Errorf("%w: %q (want a relative path without \"..\", \".\" elements or backslashes)", ErrBadPath, dir)
	}
	return dir, nil
}

// isAudio says a prompt name can name the file (by its extension).
func isAudio(name string) bool {
	return slices.Contains(prompt.Extensions(), strings.ToLower(path.Ext(name)))
}

// entries keeps the sub-folders (not hidden) and audio files of dir's items,
// folders first, then by name.
func entries(dir string, items []fs.FileInfo) []Entry {
	out := make([]Entry, 0, len(items))
	for _, fi := range items {
		name := fi.Name()
		if strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
			continue
		}
		e := Entry{Name: name, Path: path.Join(dir, name), Modified: fi.ModTime().UTC()}
		switch {
		case fi.IsDir():
			e.Dir = true
		case fi.Mode().IsRegular() && isAudio(name):
			e.Size, e.Audio = fi.Size(), true
		default:
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// readShare lists dir (clean, relative to the disk's folder) on sh.
func (d *Disk) readShare(sh *smb2.Share, dir string) ([]Entry, error) {
	p, err := remote(d.cfg.Folder, dir)
	if err != nil {
		return nil, err
	}
	if p == "" {
		p = "."
	}
	items, err := sh.ReadDir(p)
	if err != nil {
		return nil, err
	}
	return entries(dir, items), nil
}

// readDir lists dir as one SMB operation with the look-up timeout.
func (d *Disk) readDir(ctx context.Context, dir string) ([]Entry, error) {
	var out []Entry
	err := d.do(ctx, d.timeout, func(sh *smb2.Share) (err error) { out, err = d.readShare(sh, dir); return err })
	switch {
	case err != nil && isNotExist(err):
		return nil, fmt.Errorf("network disk %d: folder %s: %w", d.cfg.Number, dir, fs.ErrNotExist)
	case err != nil:
		return nil, fmt.Errorf("network disk %d: list %s: %w", d.cfg.Number, dir, err)
	}
	return out, nil
}

// errDown is ErrDown with the cause the checker saw.
func (d *Disk) errDown() error {
	return fmt.Errorf("%w: network disk %d: %s", ErrDown, d.cfg.Number, d.Info().Error)
}

// List returns the sub-folders and audio files of the folder dir ("" for
// the top) under the disk's folder. A disk the checker saw fail gives
// ErrDown at once; a missing folder an error wrapping fs.ErrNotExist.
func (d *Disk) List(ctx context.Context, dir string) ([]Entry, error) {
	dir, err := cleanDir(dir)
	if err != nil {
		return nil, err
	}
	if d.down() {
		return nil, d.errDown()
	}
	return d.readDir(ctx, dir)
}

// AudioFiles returns the audio files of the top folder and one level of
// sub-folders, at most PromptMaxFiles, read as one SMB operation: the whole
// listing takes at most the look-up timeout. A disk that is down gives
// ErrDown at once.
func (d *Disk) AudioFiles(ctx context.Context) ([]Entry, error) {
	if d.down() {
		return nil, d.errDown()
	}
	var out []Entry
	err := d.do(ctx, d.timeout, func(sh *smb2.Share) (err error) {
		out, err = walk(func(dir string) ([]Entry, error) { return d.readShare(sh, dir) }, promptMaxDepth, PromptMaxFiles)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("network disk %d: list: %w", d.cfg.Number, err)
	}
	return out, nil
}

// walk returns the audio files under the top folder, depth levels of
// sub-folders deep, at most max, reading each folder with read.
func walk(read func(dir string) ([]Entry, error), depth, max int) ([]Entry, error) {
	var out []Entry
	var visit func(dir string, level int) error
	visit = func(dir string, level int) error {
		list, err := read(dir)
		if err != nil {
			return err
		}
		for _, e := range list {
			if len(out) >= max {
				return nil
			}
			if e.Audio {
				out = append(out, e)
			}
		}
		for _, e := range list {
			if e.Dir && level < depth && len(out) < max {
				if err := visit(e.Path, level+1); err != nil && !isNotExist(err) {
					return err // a sub-folder removed meanwhile is skipped
				}
			}
		}
		return nil
	}
	err := visit(".", 0)
	return out, err
}

// stats counts the audio files of the folder (as Warm walks it) and asks
// the server for the free space, each look-up an SMB operation of its own.
func (d *Disk) stats(ctx context.Context) (files int, free int64, freeErr, err error) {
	list, err := walk(func(dir string) ([]Entry, error) { return d.readDir(ctx, dir) }, warmMaxDepth, warmMaxFiles)
	if err != nil {
		return 0, 0, nil, err
	}
	p, _ := remote(d.cfg.Folder, ".")
	freeErr = d.do(ctx, d.timeout, func(sh *smb2.Share) error {
		fi, err := sh.Statfs(p)
		if err == nil {
			free = int64(min(fi.AvailableBlockCount()*fi.BlockSize(), 1<<62))
		}
		return err
	})
	return len(list), free, freeErr, nil
}
