package prompt

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// A file in HTTPOptions.CacheDir is named by the hash of its URL plus
// fileSuffix and holds a magic line, one line of JSON (meta) and the body as
// the server sent it. It is written to a temporary file and renamed, so it is
// either whole or absent; one whose size does not match its header is
// ignored.
const (
	fileMagic    = "ivrbox prompt cache 1\n"
	fileSuffix   = ".http"
	maxHeaderLen = 8 << 10
)

// errNoBody means the copy a version named is no longer there (removed from
// the disk, or only ever held decoded in memory and since evicted).
var errNoBody = errors.New("cached copy gone")

// meta describes one version of a URL's body.
type meta struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	ContentType  string `json:"content_type,omitempty"`
	Ext          string `json:"ext"`  // selects the decoder (see audioExt)
	Size         int64  `json:"size"` // of the body
	Sum          int64  `json:"sum"`  // the first 8 bytes of its SHA-256
	noStore      bool   // Cache-Control: no-store; never written
}

// stamp returns the cache stamp of the version m describes: two bodies with
// the same bytes share their decoded audio.
func (m meta) stamp() stamp { return stamp{m.Size, m.Sum} }

// bodySum returns the Sum of body.
func bodySum(body []byte) int64 {
	s := sha256.Sum256(body)
	return int64(binary.BigEndian.Uint64(s[:8]))
}

// fileName returns the name of the cache file of the canonical URL u.
func fileName(u string) string {
	s := sha256.Sum256([]byte(u))
	return hex.EncodeToString(s[:16]) + fileSuffix
}

// diskFile is a cache file counted against the budget.
type diskFile struct {
	size int64
	used time.Time // last written or revalidated
}

// scanDisk counts the files already in the cache folder (after a restart) and
// removes leftover temporary files. It runs once, before the first fetch.
func (h *httpCache) scanDisk() {
	if h.dir == "" {
		return
	}
	if err := os.MkdirAll(h.dir, 0o700); err != nil {
		h.log.Warn("prompt: no disk copies of URL prompts", "dir", h.dir, "err", err)
		h.dir = ""
		return
	}
	ents, _ := os.ReadDir(h.dir)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, de := range ents {
		name := de.Name()
		fi, err := de.Info()
		switch {
		case err != nil || !fi.Mode().IsRegular():
		case strings.HasSuffix(name, ".tmp"):
			os.Remove(filepath.Join(h.dir, name))
		case strings.HasSuffix(name, fileSuffix):
			h.files[name] = diskFile{fi.Size(), fi.ModTime()}
			h.diskBytes += fi.Size()
		}
	}
	h.evictDiskLocked("")
}

// onDiskLocked reports whether the cache folder holds file.
func (h *httpCache) onDiskLocked(file string) bool {
	_, ok := h.files[file]
	return ok
}

// writeFile stores body and m as file and counts it against the budget,
// removing the least recently used other files beyond it.
func (h *httpCache) writeFile(file string, m meta, body []byte) error {
	hdr, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(h.dir, file+".*.tmp")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(tmp)
	w.WriteString(fileMagic)
	w.Write(hdr)
	w.WriteByte('\n')
	w.Write(body)
	err = w.Flush()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(h.dir, file))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	size := int64(len(fileMagic) + len(hdr) + 1 + len(body))
	h.mu.Lock()
	defer h.mu.Unlock()
	h.diskBytes += size - h.files[file].size
	h.files[file] = diskFile{size, h.now()}
	h.evictDiskLocked(file)
	return nil
}

// evictDiskLocked removes the least recently used files until the folder fits
// its budget, keeping keep (the file just written).
func (h *httpCache) evictDiskLocked(keep string) {
	if h.diskBytes <= h.diskBudget {
		return
	}
	names := make([]string, 0, len(h.files))
	for n := range h.files {
		if n != keep {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return h.files[a].used.Compare(h.files[b].used) })
	for _, n := range names {
		if h.diskBytes <= h.diskBudget {
			break
		}
		h.dropFileLocked(n)
		h.log.Debug("prompt: cached URL file removed (disk budget)", "file", n)
	}
}

// dropFileLocked removes file from the folder and the count.
func (h *httpCache) dropFileLocked(file string) {
	f, ok := h.files[file]
	if !ok {
		return
	}
	delete(h.files, file)
	h.diskBytes -= f.size
	os.Remove(filepath.Join(h.dir, file))
}

// touchFileLocked marks file as just used (revalidated), on disk too so that
// the order survives a restart.
func (h *httpCache) touchFileLocked(file string) {
	f, ok := h.files[file]
	if !ok {
		return
	}
	f.used = h.now()
	h.files[file] = f
	now := time.Now()
	os.Chtimes(filepath.Join(h.dir, file), now, now)
}

// fromDisk returns the version of r in the cache folder, if there is one
// (kept before a restart, or by another Cache on the same folder), and counts
// its file. A damaged file or one of another URL is removed.
func (h *httpCache) fromDisk(r *resource) (m meta, ok, onDisk bool) {
	p := filepath.Join(h.dir, r.file)
	fi, err := os.Stat(p)
	if err != nil {
		h.mu.Lock()
		h.dropFileLocked(r.file) // gone behind our back
		h.mu.Unlock()
		return meta{}, false, false
	}
	rc, m, err := h.openFile(r.file)
	if err == nil {
		rc.Close()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	old, counted := h.files[r.file]
	h.diskBytes += fi.Size() - old.size
	h.files[r.file] = diskFile{fi.Size(), fi.ModTime()}
	if err != nil || m.URL != r.url {
		h.log.Debug("prompt: cached URL file ignored", "url", r.short, "err", err)
		h.dropFileLocked(r.file)
		return meta{}, false, false
	}
	if !counted {
		h.evictDiskLocked(r.file)
	}
	return m, true, true
}

// openFile opens file and returns it positioned at its body, with its
// header. Any error wraps errNoBody.
func (h *httpCache) openFile(file string) (io.ReadCloser, meta, error) {
	f, err := os.Open(filepath.Join(h.dir, file))
	if err != nil {
		return nil, meta{}, fmt.Errorf("%w: %w", errNoBody, err)
	}
	m, br, err := readHeader(f)
	if err != nil {
		f.Close()
		return nil, meta{}, fmt.Errorf("%w: %s: %w", errNoBody, file, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(br, m.Size), f}, m, nil
}

// readHeader reads the header of the cache file f and checks that the body
// that follows it has the size the header says.
func readHeader(f *os.File) (meta, *bufio.Reader, error) {
	fi, err := f.Stat()
	if err != nil {
		return meta{}, nil, err
	}
	br := bufio.NewReaderSize(f, maxHeaderLen)
	magic := make([]byte, len(fileMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != fileMagic {
		return meta{}, nil, errors.New("not a prompt cache file")
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return meta{}, nil, fmt.Errorf("header: %w", err)
	}
	var m meta
	if err := json.Unmarshal(bytes.TrimSpace(line), &m); err != nil {
		return meta{}, nil, fmt.Errorf("header: %w", err)
	}
	if want := int64(len(fileMagic)+len(line)) + m.Size; m.Size < 0 || fi.Size() != want || m.URL == "" {
		return meta{}, nil, fmt.Errorf("%d bytes, the header says %d", fi.Size(), want)
	}
	return m, br, nil
}

// diskSource serves the bodies of the cache files to Cache.load.
type diskSource struct{ h *httpCache }

// Stat implements Source.
func (s diskSource) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	return os.Stat(filepath.Join(s.h.dir, name))
}

// Open implements Source.
func (s diskSource) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rc, _, err := s.h.openFile(name)
	return rc, err
}

// memSource serves a body just fetched.
type memSource []byte

// Stat implements Source.
func (s memSource) Stat(context.Context, string) (fs.FileInfo, error) {
	return nil, fs.ErrInvalid
}

// Open implements Source.
func (s memSource) Open(context.Context, string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(s)), nil
}

// goneSource stands for a version held only decoded in memory: decoding it
// again needs a new fetch.
type goneSource struct{}

// Stat implements Source.
func (goneSource) Stat(context.Context, string) (fs.FileInfo, error) { return nil, errNoBody }

// Open implements Source.
func (goneSource) Open(context.Context, string) (io.ReadCloser, error) { return nil, errNoBody }
