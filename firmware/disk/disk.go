package disk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// States of a disk.
const (
	StateConnecting = "connecting" // not yet checked
	StateMounted    = "mounted"    // the last check reached the share
	StateError      = "error"      // the last check failed; Info.Error says why
	StateDisabled   = "disabled"   // configured but not mounted
)

// Info is the state of one disk, as the admin API shows it.
type Info struct {
	Number   int       `json:"number"`
	State    string    `json:"state"`
	Error    string    `json:"error,omitempty"`
	LastSeen time.Time `json:"last_seen,omitzero"` // last time the share answered
	Since    time.Time `json:"since,omitzero"`     // when State last changed
	Files    int       `json:"cached_files"`       // raw files in the local cache
	Bytes    int64     `json:"cached_bytes"`
	// AudioFiles is the number of audio files in the disk's folder (4
	// levels deep, counted up to 2000) and FreeBytes the space the server
	// says is free for this user, both as of the checker's last count
	// (every few checks); nil until counted.
	AudioFiles *int   `json:"files,omitempty"`
	FreeBytes  *int64 `json:"free_bytes,omitempty"`
}

// Disk is one mounted network disk: a prompt.Source for the names under its
// folder. Build it with Manager; it is safe for concurrent use.
type Disk struct {
	cfg      config.Disk
	password string
	log      *slog.Logger
	files    files
	timeout  time.Duration // Stat and checks
	readTime time.Duration // one file read
	maxFile  int64
	onChange func(Info)
	// statsEvery is how often the checker counts the files and asks for
	// the free space; statsAt when it last did (the checker's own).
	statsEvery time.Duration
	statsAt    time.Time

	gate chan struct{} // one SMB operation at a time
	stop chan struct{}
	wg   sync.WaitGroup

	mu   sync.Mutex // guards the fields below
	conn *conn
	info Info
}

// do runs fn against the share on its own goroutine, connecting first if
// needed. It returns fn's error, or ErrTimeout after timeout; the connection
// is then torn down, which ends the goroutine, and the gate it holds keeps
// every other operation on this disk waiting (at most one is outstanding).
func (d *Disk) do(ctx context.Context, timeout time.Duration, fn func(sh *smb2.Share) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case d.gate <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%w: %s is busy with an operation that hangs", ErrTimeout, d.cfg.Addr())
	case <-d.stop:
		return ErrClosed
	}
	done := make(chan error, 1)
	go func() {
		defer func() { <-d.gate }()
		defer func() {
			if p := recover(); p != nil {
				d.log.Error("disk: SMB operation panicked", "panic", p)
				done <- fmt.Errorf("network disk: internal error: %v", p)
			}
		}()
		c, err := d.connect(ctx)
		if err == nil {
			err = fn(c.share.WithContext(ctx))
			if err != nil && !isNotExist(err) {
				d.drop(c)
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil && ctx.Err() != nil && !isNotExist(err) {
			return fmt.Errorf("%w after %v: %w", ErrTimeout, timeout, err)
		}
		return err
	case <-ctx.Done():
		d.drop(nil)
		return fmt.Errorf("%w: %s did not answer in %v", ErrTimeout, d.cfg.Addr(), timeout)
	}
}

// connect returns the open connection or dials a new one.
func (d *Disk) connect(ctx context.Context) (*conn, error) {
	d.mu.Lock()
	c := d.conn
	d.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := dial(ctx, d.cfg, d.password)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.stop:
		c.close()
		return nil, ErrClosed
	default:
	}
	d.conn = c
	return c, nil
}

// drop tears down c (nil: whatever connection is open).
func (d *Disk) drop(c *conn) {
	d.mu.Lock()
	if c == nil || d.conn == c {
		c, d.conn = d.conn, nil
	}
	d.mu.Unlock()
	if c != nil {
		c.close()
	}
}

// down says the last check failed: reads go to the local cache at once.
func (d *Disk) down() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.info.State == StateError
}

// Stat implements prompt.Source. When the server fails, the newest cached
// copy of name answers instead.
func (d *Disk) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	p, err := remote(d.cfg.Folder, name)
	if err != nil {
		return nil, err
	}
	if !d.down() {
		var fi fs.FileInfo
		err = d.do(ctx, d.timeout, func(sh *smb2.Share) (err error) { fi, err = sh.Stat(p); return err })
		switch {
		case err == nil:
			return fileInfo{name: name, v: version{fi.Size(), fi.ModTime().UnixNano()}, dir: fi.IsDir()}, nil
		case isNotExist(err):
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
	} else {
		err = fmt.Errorf("%w: %s", ErrDown, d.Info().Error)
	}
	if v, ok := d.files.newest(name); ok {
		d.log.Debug("disk: serving the local copy", "disk", d.cfg.Number, "name", name, "err", err)
		return fileInfo{name: name, v: v}, nil
	}
	return nil, fmt.Errorf("network disk %d: %s: %w", d.cfg.Number, name, err)
}

// Open implements prompt.Source: the local copy when it matches the file on
// the share (or the share is down), else the file read from the share (at
// most the size limit) and stored locally.
func (d *Disk) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	fi, err := d.Stat(ctx, name)
	if err != nil {
		return nil, err
	}
	v := version{fi.Size(), fi.ModTime().UnixNano()}
	if data, err := d.files.read(name, v); err == nil {
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	if v.size > d.maxFile {
		return nil, fmt.Errorf("%w: network disk %d: %s is %d bytes, the limit is %d", prompt.ErrTooLong, d.cfg.Number, name, v.size, d.maxFile)
	}
	data, err := d.fetch(ctx, name)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) == v.size {
		if err := d.files.put(name, v, data); err != nil {
			d.log.Warn("disk: cannot keep a local copy", "disk", d.cfg.Number, "name", name, "err", err)
		}
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// fetch reads name from the share, at most maxFile bytes.
func (d *Disk) fetch(ctx context.Context, name string) ([]byte, error) {
	p, err := remote(d.cfg.Folder, name)
	if err != nil {
		return nil, err
	}
	var data []byte
	err = d.do(ctx, d.readTime, func(sh *smb2.Share) error {
		f, err := sh.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, d.maxFile+1))
		return err
	})
	switch {
	case err != nil && isNotExist(err):
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	case err != nil:
		return nil, fmt.Errorf("network disk %d: read %s: %w", d.cfg.Number, name, err)
	case int64(len(data)) > d.maxFile:
		return nil, fmt.Errorf("%w: network disk %d: %s is over the limit of %d bytes", prompt.ErrTooLong, d.cfg.Number, name, d.maxFile)
	}
	return data, nil
}

// Info returns the disk's state.
func (d *Disk) Info() Info {
	d.mu.Lock()
	in := d.info
	d.mu.Unlock()
	in.Files, in.Bytes = d.files.stats()
	return in
}

// check probes the share (its folder) once and records the result.
func (d *Disk) check(ctx context.Context) error {
	p, _ := remote(d.cfg.Folder, ".")
	err := d.do(ctx, d.timeout, func(sh *smb2.Share) error {
		if p == "" {
			_, err := sh.Stat(".")
			return err
		}
		_, err := sh.Stat(p)
		return err
	})
	if err != nil && isNotExist(err) {
		err = fmt.Errorf("folder %q is not on share %q: %w", d.cfg.Folder, d.cfg.Share, err)
	}
	d.set(err)
	return err
}

// set records a check's result and reports a change of state.
func (d *Disk) set(err error) {
	now := time.Now()
	d.mu.Lock()
	old := d.info
	if err == nil {
		d.info.State, d.info.Error, d.info.LastSeen = StateMounted, "", now
	} else {
		d.info.State, d.info.Error = StateError, err.Error()
	}
	changed := old.State != d.info.State || old.Error != d.info.Error
	if old.State != d.info.State {
		d.info.Since = now
	}
	in := d.info
	d.mu.Unlock()
	if !changed {
		return
	}
	if err == nil {
		d.log.Info("disk: mounted", "disk", d.cfg.Number, "server", d.cfg.Addr(), "share", d.cfg.Share)
	} else {
		d.log.Warn("disk: not reachable", "disk", d.cfg.Number, "server", d.cfg.Addr(), "share", d.cfg.Share, "err", err)
	}
	if d.onChange != nil {
		d.onChange(in)
	}
}

// run checks the share every interval, backing off (up to maxBackoff) while
// it fails, until Close.
func (d *Disk) run(interval, maxBackoff time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-d.stop; cancel() }()
	wait := time.Duration(0)
	for {
		select {
		case <-d.stop:
			return
		case <-time.After(wait):
		}
		if err := d.check(ctx); err != nil {
			wait = min(max(2*wait, interval/2), maxBackoff)
			d.statsAt = time.Time{} // count again once it is back
			if errors.Is(err, ErrClosed) {
				return
			}
		} else {
			wait = interval
			d.refreshStats(ctx)
		}
	}
}

// refreshStats counts the files and asks for the free space when the last
// count is older than statsEvery. A failure keeps the last figures: the
// next check says whether the disk is down.
func (d *Disk) refreshStats(ctx context.Context) {
	if !d.statsAt.IsZero() && time.Since(d.statsAt) < d.statsEvery {
		return
	}
	d.statsAt = time.Now()
	files, free, freeErr, err := d.stats(ctx)
	if err != nil {
		d.log.Debug("disk: cannot count the files", "disk", d.cfg.Number, "err", err)
		return
	}
	if freeErr != nil {
		d.log.Debug("disk: free space unknown", "disk", d.cfg.Number, "err", freeErr)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.info.AudioFiles = &files
	if freeErr == nil {
		d.info.FreeBytes = &free
	}
}

// close stops the checker and the connection and waits for the checker.
func (d *Disk) close() {
	d.mu.Lock()
	select {
	case <-d.stop:
	default:
		close(d.stop)
	}
	d.mu.Unlock()
	d.drop(nil)
	d.wg.Wait()
}
