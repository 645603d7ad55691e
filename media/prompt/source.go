package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Source is a place prompt files are looked up in: the local prompt folder,
// the built-in set, or a network disk mounted at an absolute prefix. Names
// given to a Source are slash-separated, relative and clean (fs.ValidPath).
// A missing file must give an error for which errors.Is(err, fs.ErrNotExist)
// holds; any other error means the Source itself failed (a disk that is down),
// and the Cache then keeps serving what it already decoded.
type Source interface {
	// Stat returns the size and modification time of the file name.
	Stat(ctx context.Context, name string) (fs.FileInfo, error)
	// Open opens the file name for reading.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
}

// DirSource returns a Source for the folder dir on the local disk. Every
// lookup goes through os.Root, so no name and no symbolic link can reach a
// file outside dir. A missing dir is like an empty one.
func DirSource(dir string) Source { return dirSource(dir) }

type dirSource string

func (d dirSource) root(ctx context.Context, name string) (*os.Root, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return os.OpenRoot(string(d))
}

// Stat implements Source.
func (d dirSource) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	r, err := d.root(ctx, name)
	if err != nil {
		return nil, notExist(err)
	}
	defer r.Close()
	fi, err := r.Stat(name)
	return fi, notExist(err)
}

// Open implements Source.
func (d dirSource) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	r, err := d.root(ctx, name)
	if err != nil {
		return nil, notExist(err)
	}
	defer r.Close() // files opened from a Root outlive it
	f, err := r.Open(name)
	if err != nil {
		return nil, notExist(err)
	}
	return f, nil
}

// notExist makes "a path element is a file, not a folder" (notice.wav/x) a
// missing file like any other.
func notExist(err error) error {
	if errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	return err
}

// FSSource returns a Source for fsys (the built-in prompts, a test's
// fstest.MapFS, or a disk client that offers an fs.FS).
func FSSource(fsys fs.FS) Source { return fsSource{fsys} }

type fsSource struct{ fsys fs.FS }

// Stat implements Source.
func (s fsSource) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return fs.Stat(s.fsys, name)
}

// Open implements Source.
func (s fsSource) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.fsys.Open(name)
}
