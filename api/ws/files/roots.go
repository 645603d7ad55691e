package files

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"

	"github.com/ivrbox/ivrbox/firmware/procs"
)

// Every file is reached through an os.Root opened at its storage's folder
// (or its session's), itself opened through a Root at PromptDir (or
// TempDir): no name and no symbolic link leaves the storage, and the
// storage's folder does not leave PromptDir, as the prompt cache's
// prompt.DirSource also requires.

// openSub opens the folder sub (slash-separated, relative) of dir as a
// Root, making it first when create is set.
func openSub(dir, sub string, create bool) (*os.Root, error) {
	parent, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	sub = filepath.FromSlash(sub)
	if create {
		if err := parent.MkdirAll(sub, 0o755); err != nil {
			return nil, err
		}
	}
	return parent.OpenRoot(sub)
}

// storageRoot opens the folder of a static storage.
func (s *Store) storageRoot(storage string, create bool) (*os.Root, error) {
	folder, ok := Folder(storage)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a static storage", ErrBadPath, short(storage))
	}
	return openSub(s.opt.PromptDir, folder, create)
}

// sessionRoot opens the temp folder of a session (a checked name).
func (s *Store) sessionRoot(session string, create bool) (*os.Root, error) {
	return openSub(s.opt.TempDir, session, create)
}

// openFile opens the regular file rel (slash-separated) of root.
func openFile(root *os.Root, rel string) (*os.File, fs.FileInfo, error) {
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return nil, nil, err
	}
	return statRegular(f)
}

// statRegular returns f, just opened, and its FileInfo when it is a regular
// file; otherwise it closes f and returns the error of Stat or of regular.
func statRegular(f *os.File) (*os.File, fs.FileInfo, error) {
	fi, err := f.Stat()
	if err = regular(fi, err); err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// regular returns err, the error of a stat that returned fi, or when the
// stat succeeded but fi is not a regular file (a folder, a device) an error
// wrapping fs.ErrNotExist.
func regular(fi fs.FileInfo, err error) error {
	if err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: not a regular file", fs.ErrNotExist)
	}
	return err
}

// statIn checks that rel is a regular file of the folder that open opens.
func statIn(open func() (*os.Root, error), rel string) error {
	root, err := open()
	if err != nil {
		return err
	}
	defer root.Close()
	return regular(root.Stat(filepath.FromSlash(rel)))
}

// statStatic checks that p, in a static storage, is a regular file.
func (s *Store) statStatic(p Path) error {
	err := statIn(func() (*os.Root, error) { return s.storageRoot(p.Storage, false) }, p.Rel)
	return notFound(p, "", err)
}

// statTemp checks that p, in session's temp folder, is a regular file.
func (s *Store) statTemp(session string, p Path) error {
	err := statIn(func() (*os.Root, error) { return s.sessionRoot(session, false) }, p.Rel)
	return notFound(p, session, err)
}

// notFound describes err, from looking p up: ErrNotFound when the file
// is missing, a folder, or behind a link out of its storage.
func notFound(p Path, session string, err error) error {
	if err == nil {
		return nil
	}
	where := short(p.String())
	if session != "" {
		where += " in session " + short(session)
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || isEscape(err) {
		return fmt.Errorf("%w: %s", ErrNotFound, where)
	}
	return fmt.Errorf("files: %s: %w", where, err)
}

// isEscape reports whether err is os.Root refusing a path that leaves it
// (a symbolic link out of the storage).
func isEscape(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && pe.Err.Error() == "path escapes from parent"
}

// writeAtomic writes data to rel (slash-separated) of root: to a new
// hidden file in the same folder first, then renamed over rel, so that
// nobody ever reads part of it. Its folders are made as needed.
func writeAtomic(root *os.Root, rel string, data []byte, perm fs.FileMode) error {
	dir := path.Dir(rel)
	if dir != "." {
		if err := root.MkdirAll(filepath.FromSlash(dir), 0o755); err != nil {
			return fmt.Errorf("%w: making folder %q: %w", ErrBadPath, short(dir), err)
		}
	}
	if fi, err := root.Lstat(filepath.FromSlash(rel)); err == nil && fi.IsDir() {
		return fmt.Errorf("%w: %q is a folder", ErrBadPath, short(rel))
	}
	tmp := filepath.FromSlash(path.Join(dir, ".upload-"+rand.Text()[:12]+".part"))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		procs.Borrow(func() { err = f.Sync() }) // lend a processor while the disk works
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, filepath.FromSlash(rel))
	}
	if err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("files: writing %q: %w", short(rel), err)
	}
	return nil
}

// clearDir removes everything in dir, not dir itself.
func clearDir(dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, root.RemoveAll(e.Name()))
	}
	return errors.Join(errs...)
}
