package disk

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// files keeps the raw files fetched from one disk in a local folder, one file
// per prompt name and version: <sha256(name)>-<size>-<mtime ns>.
type files struct{ dir string }

// version is one cached version of a file.
type version struct {
	size int64
	mod  int64 // unix ns
}

func (f files) base(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:16])
}

func (f files) path(name string, v version) string {
	return filepath.Join(f.dir, f.base(name)+"-"+strconv.FormatInt(v.size, 10)+"-"+strconv.FormatInt(v.mod, 10))
}

// newest returns the newest cached version of name.
func (f files) newest(name string) (version, bool) {
	if f.dir == "" {
		return version{}, false
	}
	matches, _ := filepath.Glob(filepath.Join(f.dir, f.base(name)+"-*"))
	var best version
	var found bool
	for _, m := range matches {
		parts := strings.Split(filepath.Base(m), "-")
		if len(parts) != 3 {
			continue
		}
		size, err1 := strconv.ParseInt(parts[1], 10, 64)
		mod, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		if !found || mod > best.mod {
			best, found = version{size, mod}, true
		}
	}
	return best, found
}

// read returns the cached bytes of name at v.
func (f files) read(name string, v version) ([]byte, error) {
	if f.dir == "" {
		return nil, fs.ErrNotExist
	}
	data, err := os.ReadFile(f.path(name, v))
	if err == nil && int64(len(data)) != v.size {
		return nil, fmt.Errorf("cached copy of %s is truncated", name)
	}
	return data, err
}

// put stores data as name at v and removes older versions of name.
func (f files) put(name string, v version, data []byte) error {
	if f.dir == "" {
		return nil
	}
	if err := os.MkdirAll(f.dir, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(f.dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	dst := f.path(name, v)
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	old, _ := filepath.Glob(filepath.Join(f.dir, f.base(name)+"-*"))
	for _, o := range old {
		if o != dst {
			_ = os.Remove(o)
		}
	}
	return nil
}

// stats counts the cached files and their bytes.
func (f files) stats() (n int, bytes int64) {
	entries, _ := os.ReadDir(f.dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			n++
			bytes += fi.Size()
		}
	}
	return n, bytes
}

// fileInfo is the fs.FileInfo of a remote or cached file.
type fileInfo struct {
	name string
	v    version
	dir  bool
}

func (i fileInfo) Name() string       { return path.Base(i.name) }
func (i fileInfo) Size() int64        { return i.v.size }
func (i fileInfo) ModTime() time.Time { return time.Unix(0, i.v.mod) }
func (i fileInfo) IsDir() bool        { return i.dir }
func (i fileInfo) Sys() any           { return nil }
func (i fileInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
