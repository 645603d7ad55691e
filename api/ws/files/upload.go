package files

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/ivrbox/ivrbox/media/prompt"
)

// FetchTemp fetches rawURL into the session's temp folder and returns
// where it went, :TEMP/<name>. The name is the URL's last path segment
// sanitized (letters, digits, - _ . only, at most MaxNameLen bytes); it
// must have an audio extension (prompt.Extensions()) or gets one from the
// content (RIFF: .wav, MP3: .mp3). A file of the same name is replaced.
// The body must decode as audio no longer than Options.MaxDuration. The
// file goes when the session ends (EndSession).
func (s *Store) FetchTemp(ctx context.Context, session, rawURL string) (Path, error) {
	if err := checkSession(session); err != nil {
		return Path{}, err
	}
	done, err := s.begin()
	if err != nil {
		return Path{}, err
	}
	defer done()
	s.mu.Lock()
	sess := s.sessionLocked(session)
	s.mu.Unlock()
	name, data, err := s.download(ctx, rawURL, "")
	if err != nil {
		return Path{}, err
	}
	p := Path{Storage: Temp, Rel: name}
	s.mu.Lock()
	delete(s.orphans, fileKey{session, name}) // the new file is the live session's
	s.mu.Unlock()
	sess.wmu.Lock()
	defer sess.wmu.Unlock()
	if sess.ended {
		return Path{}, fmt.Errorf("%w: session %q ended during the fetch", ErrNotFound, short(session))
	}
	root, err := s.sessionRoot(session, true)
	if err != nil {
		return Path{}, fmt.Errorf("files: temp folder of %q: %w", short(session), err)
	}
	defer root.Close()
	if err := writeAtomic(root, name, data, 0o600); err != nil {
		return Path{}, err
	}
	s.log.Debug("files: fetched", "url", shortURL(rawURL), "path", p.String(), "bytes", len(data))
	return p, nil
}

// FetchStatic fetches rawURL into a static storage at destpath and returns
// where it went. A destpath whose last element has an audio extension
// (":GS_PUB/a/b/c/x.wav") names the file; any other (":GS_PUB/a/b/c",
// ":GS_PUB/a/b/c/") names a folder, and the file is named from the URL as
// FetchTemp does. An empty destpath is the root of the Default storage.
// Folders are made as needed; a file of the same name is replaced,
// atomically. :TEMP is refused (ErrBadPath).
func (s *Store) FetchStatic(ctx context.Context, rawURL, destpath string) (Path, error) {
	dest, err := Parse(destpath)
	if err != nil {
		return Path{}, err
	}
	if dest.isTemp() {
		return Path{}, fmt.Errorf("%w: %q: a static upload cannot go to :TEMP", ErrBadPath, short(destpath))
	}
	dir, name := dest.Rel, ""
	if isAudioExt(dest.Rel) {
		dir, name = path.Dir(dest.Rel), path.Base(dest.Rel)
	}
	done, err := s.begin()
	if err != nil {
		return Path{}, err
	}
	defer done()
	name, data, err := s.download(ctx, rawURL, name)
	if err != nil {
		return Path{}, err
	}
	p := Path{Storage: dest.Storage, Rel: path.Join(dir, name)}
	if !p.valid() {
		return Path{}, fmt.Errorf("%w: %q with the file name %q is too long", ErrBadPath, short(destpath), name)
	}
	root, err := s.storageRoot(p.Storage, true)
	if err != nil {
		return Path{}, fmt.Errorf("files: storage %s: %w", p.Storage, err)
	}
	defer root.Close()
	if err := writeAtomic(root, p.Rel, data, 0o644); err != nil {
		return Path{}, err
	}
	s.log.Info("files: fetched", "url", shortURL(rawURL), "path", p.String(), "bytes", len(data))
	return p, nil
}

// download fetches rawURL, names the file (name, when not "", is the name
// chosen by the caller) and checks that it is audio.
func (s *Store) download(ctx context.Context, rawURL, name string) (string, []byte, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return "", nil, err
	}
	data, final, err := s.get(ctx, u)
	if err != nil {
		return "", nil, err
	}
	if name == "" {
		if name, err = fileName(data, lastSegment(u.Path), lastSegment(final.Path)); err != nil {
			return "", nil, fmt.Errorf("%w (from %q)", err, shortURL(rawURL))
		}
	}
	if _, err := prompt.Decode(name, data, s.opt.MaxDuration); err != nil {
		if errors.Is(err, prompt.ErrTooLong) {
			return "", nil, fmt.Errorf("%w: %q: %w", ErrTooLarge, shortURL(rawURL), err)
		}
		return "", nil, fmt.Errorf("%w: %q: %w", ErrNotAudio, shortURL(rawURL), err)
	}
	return name, data, nil
}

// lastSegment returns what follows the last '/' of a URL path.
func lastSegment(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
