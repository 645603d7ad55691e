package disk

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// Defaults for the zero values of Options.
const (
	DefaultInterval    = 5 * time.Second
	DefaultMaxBackoff  = 30 * time.Second
	DefaultTimeout     = 3 * time.Second
	DefaultReadTimeout = 20 * time.Second
	DefaultMaxFile     = prompt.DefaultMaxFileBytes
	statsChecks        = 6 // default StatsInterval, in Intervals
)

// Prompts is where disks are mounted (a *prompt.Cache).
type Prompts interface {
	Mount(prefix string, src prompt.Source) error
	Unmount(prefix string)
	Get(ctx context.Context, name string) (*prompt.Audio, error)
}

// Secrets holds the disks' passwords (a *store.Store).
type Secrets interface {
	Secret(key string) (string, error)
}

// PasswordKey is the secret key of disk n's password.
func PasswordKey(n int) string { return "disk/" + strconv.Itoa(n) + "/password" }

// Options configures a Manager.
type Options struct {
	Prompts  Prompts // required
	Secrets  Secrets // nil: no passwords
	CacheDir string  // <data>/cache; "" keeps no local copies
	Log      *slog.Logger
	// Interval between checks of a healthy disk (DefaultInterval);
	// MaxBackoff the longest wait between checks of a failing one.
	Interval, MaxBackoff time.Duration
	// Timeout bounds one Stat or check (DefaultTimeout); ReadTimeout one
	// file read (DefaultReadTimeout).
	Timeout, ReadTimeout time.Duration
	// MaxFileBytes is the largest file read from a disk (DefaultMaxFile).
	MaxFileBytes int64
	// StatsInterval is how often a healthy disk's audio files are counted
	// and its free space asked for (default 6 Intervals: 30 s).
	StatsInterval time.Duration
	// OnChange hears every change of a disk's state (and a removed disk as
	// StateDisabled). It must not block.
	OnChange func(Info)
}

// Manager keeps the configured disks mounted. It is safe for concurrent use.
type Manager struct {
	opt Options
	log *slog.Logger

	mu     sync.Mutex
	disks  map[int]*Disk
	closed bool
}

// New returns a Manager with no disk; Apply mounts them.
func New(opt Options) *Manager {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	opt.Interval = cmpOr(opt.Interval, DefaultInterval)
	opt.MaxBackoff = cmpOr(opt.MaxBackoff, DefaultMaxBackoff)
	opt.Timeout = cmpOr(opt.Timeout, DefaultTimeout)
	opt.ReadTimeout = cmpOr(opt.ReadTimeout, DefaultReadTimeout)
	opt.MaxFileBytes = cmpOr(opt.MaxFileBytes, DefaultMaxFile)
	opt.StatsInterval = cmpOr(opt.StatsInterval, statsChecks*opt.Interval)
	return &Manager{opt: opt, log: opt.Log, disks: map[int]*Disk{}}
}

func cmpOr[T int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Apply makes the mounted disks those enabled in disks: new or changed ones
// (config or password) are (re)mounted, others unmounted. Unchanged disks
// keep their connection.
func (m *Manager) Apply(disks []config.Disk) {
	var gone []*Disk
	defer func() { closeAll(gone, m.opt.OnChange) }()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	want := map[int]config.Disk{}
	for _, d := range disks {
		if !d.Disabled {
			want[d.Number] = d
		}
	}
	for n, d := range m.disks {
		if w, ok := want[n]; !ok || w != d.cfg || m.password(n) != d.password {
			m.opt.Prompts.Unmount(config.MountPrefix(n))
			delete(m.disks, n)
			gone = append(gone, d)
		}
	}
	for n, cfg := range want {
		if _, ok := m.disks[n]; ok {
			continue
		}
		d := m.newDisk(cfg, m.password(n))
		if err := m.opt.Prompts.Mount(config.MountPrefix(n), d); err != nil {
			m.log.Error("disk: mount", "disk", n, "err", err)
			continue
		}
		m.disks[n] = d
		d.wg.Go(func() { d.run(m.opt.Interval, m.opt.MaxBackoff) })
	}
}

func (m *Manager) password(n int) string {
	if m.opt.Secrets == nil {
		return ""
	}
	pw, _ := m.opt.Secrets.Secret(PasswordKey(n))
	return pw
}

func (m *Manager) newDisk(cfg config.Disk, password string) *Disk {
	d := &Disk{
		cfg: cfg, password: password, log: m.log, timeout: m.opt.Timeout, readTime: m.opt.ReadTimeout,
		maxFile: m.opt.MaxFileBytes, onChange: m.opt.OnChange, statsEvery: m.opt.StatsInterval,
		gate: make(chan struct{}, 1), stop: make(chan struct{}),
		info: Info{Number: cfg.Number, State: StateConnecting, Since: time.Now()},
	}
	if m.opt.CacheDir != "" {
		d.files = files{dir: filepath.Join(m.opt.CacheDir, "disk"+strconv.Itoa(cfg.Number))}
	}
	return d
}

// disk returns the mounted disk n.
func (m *Manager) disk(n int) (*Disk, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.disks[n]
	if d == nil {
		return nil, fmt.Errorf("%w: %d is not mounted", ErrNoDisk, n)
	}
	return d, nil
}

// Info returns the state of disk n (StateDisabled when it is not mounted).
func (m *Manager) Info(n int) Info {
	d, err := m.disk(n)
	if err != nil {
		in := Info{Number: n, State: StateDisabled}
		if m.opt.CacheDir != "" {
			in.Files, in.Bytes = files{dir: filepath.Join(m.opt.CacheDir, "disk"+strconv.Itoa(n))}.stats()
		}
		return in
	}
	return d.Info()
}

// Faulty says some mounted disk is in error.
func (m *Manager) Faulty() bool {
	m.mu.Lock()
	ds := make([]*Disk, 0, len(m.disks))
	for _, d := range m.disks {
		ds = append(ds, d)
	}
	m.mu.Unlock()
	return slices.ContainsFunc(ds, (*Disk).down)
}

// Test connects to d with password, mounts the share and looks at the folder,
// within the manager's timeout; nil means the disk would work.
func (m *Manager) Test(ctx context.Context, d config.Disk, password string) error {
	ctx, cancel := context.WithTimeout(ctx, m.opt.Timeout)
	defer cancel()
	type result struct{ err error }
	done := make(chan result, 1)
	var c *conn
	var mu sync.Mutex
	go func() {
		cc, err := dial(ctx, d, password)
		if err == nil {
			mu.Lock()
			c = cc
			mu.Unlock()
			p, _ := remote(d.Folder, ".")
			if p == "" {
				p = "."
			}
			_, err = cc.share.WithContext(ctx).Stat(p)
			if err != nil && isNotExist(err) {
				err = fmt.Errorf("folder %q is not on share %q: %w", d.Folder, d.Share, err)
			}
			cc.close()
		}
		done <- result{err}
	}()
	select {
	case r := <-done:
		return r.err
	case <-ctx.Done():
		mu.Lock()
		if c != nil {
			c.close()
		}
		mu.Unlock()
		return fmt.Errorf("%w: %s did not answer in %v", ErrTimeout, d.Addr(), m.opt.Timeout)
	}
}

// WarmResult says what Warm fetched.
type WarmResult struct {
	Files  int      `json:"files"`            // audio files fetched and decoded
	Bytes  int64    `json:"bytes"`            // their size
	Failed []string `json:"failed,omitempty"` // "name: error" for those that failed
}

// Warm fetches every audio file in disk n's folder (up to 4 folders deep and
// 2000 files) into the local cache and decodes it into the prompt cache.
func (m *Manager) Warm(ctx context.Context, n int) (WarmResult, error) {
	d, err := m.disk(n)
	if err != nil {
		return WarmResult{}, err
	}
	list, err := walk(func(dir string) ([]Entry, error) { return d.readDir(ctx, dir) }, warmMaxDepth, warmMaxFiles)
	if err != nil {
		return WarmResult{}, err
	}
	var res WarmResult
	for _, e := range list {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if _, err := m.opt.Prompts.Get(ctx, config.MountPrefix(n)+"/"+e.Path); err != nil {
			res.Failed = append(res.Failed, err.Error())
			continue
		}
		res.Files++
		res.Bytes += e.Size
	}
	return res, nil
}

// List returns the sub-folders and audio files of the folder dir ("" for
// the top) of disk n; see Disk.List. A disk not mounted gives ErrNoDisk.
func (m *Manager) List(ctx context.Context, n int, dir string) ([]Entry, error) {
	d, err := m.disk(n)
	if err != nil {
		return nil, err
	}
	return d.List(ctx, dir)
}

// AudioFiles returns the audio files of disk n for the prompt picker; see
// Disk.AudioFiles. A disk not mounted gives ErrNoDisk.
func (m *Manager) AudioFiles(ctx context.Context, n int) ([]Entry, error) {
	d, err := m.disk(n)
	if err != nil {
		return nil, err
	}
	return d.AudioFiles(ctx)
}

// Close unmounts every disk and stops their checkers. It is idempotent.
func (m *Manager) Close() {
	var gone []*Disk
	m.mu.Lock()
	m.closed = true
	for n, d := range m.disks {
		m.opt.Prompts.Unmount(config.MountPrefix(n))
		delete(m.disks, n)
		gone = append(gone, d)
	}
	m.mu.Unlock()
	closeAll(gone, nil)
}

// closeAll closes disks (outside the manager's lock: their checkers may be
// calling OnChange, which may call Faulty) and reports them disabled.
func closeAll(disks []*Disk, onChange func(Info)) {
	for _, d := range disks {
		d.close()
		if onChange != nil {
			onChange(Info{Number: d.cfg.Number, State: StateDisabled})
		}
	}
}
