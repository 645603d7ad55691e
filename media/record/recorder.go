package record

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/ivrbox/ivrbox/media/stream"
)

// Permissions of the folders and files made here: a call's audio is
// private to the firmware's user.
const (
	dirPerm  = 0o700
	filePerm = 0o600
)

// Attacher is what a Recorder needs from a stream: a *stream.Stream
// satisfies it. Both methods must be safe to call from any goroutine;
// RemoveSink must be harmless on a stream that has closed.
type Attacher interface {
	// AddSink attaches s to the stream's frames.
	AddSink(s stream.Sink) error
	// RemoveSink detaches s.
	RemoveSink(s stream.Sink)
}

var _ Attacher = (*stream.Stream)(nil)

// Recorder records calls into the files of one folder. Its methods are
// safe for concurrent use.
type Recorder struct {
	opts     Options
	log      *slog.Logger
	root     *os.Root
	store    storage
	ring     int // frames in a tap's ring
	flush    int // frames a file buffers
	writers  []*writer
	next     atomic.Uint32 // the writer of the next recording, round robin
	closer   *stage        // seals finished recordings (Recording.seal)
	notifier *stage        // reports them (Recording.notify)
	cancel   context.CancelFunc
	wg       sync.WaitGroup // the writer goroutines
	once     sync.Once

	mu     sync.Mutex // guards the fields below
	closed bool
	active map[*Recording]struct{}
	busy   map[string]struct{} // .part files of active or starting recordings
}

// New opens the recordings folder opts.Dir (creating it), repairs the
// .part files a crash left there (see Repair), counts the bytes in use and
// starts the writers.
func New(opts Options) (*Recorder, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, dirPerm); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	root, err := os.OpenRoot(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r := &Recorder{opts: opts, log: opts.Log, root: root,
		ring: ringFrames(opts.DrainEvery), flush: flushFrames(opts.FlushEvery),
		active: make(map[*Recording]struct{}), busy: make(map[string]struct{})}
	repaired, used, err := scan(root)
	for _, p := range repaired {
		r.log.Warn("record: repaired a recording left unfinished", "file", p)
	}
	if err != nil {
		r.log.Error("record: some files could not be repaired", "err", err)
	}
	r.store = storage{max: opts.MaxBytes, onFull: r.wakeAll}
	r.store.used.Store(used)
	if opts.MaxBytes > 0 && used >= opts.MaxBytes {
		r.store.full.Store(true)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.closer = newStage(r, "closer", (*Recording).seal)
	r.notifier = newStage(r, "notifier", (*Recording).notify)
	for range opts.Writers {
		w := newWriter(r)
		r.writers = append(r.writers, w)
		tick, stop := opts.Clock.NewTicker(opts.DrainEvery) // before New returns: a test's clock knows it
		r.wg.Go(func() {
			defer stop()
			w.run(ctx, tick)
		})
	}
	return r, nil
}

// Close stops every active recording (ReasonStopped), waits until their
// files are final and OnFinish has heard them, and closes the folder. It is
// idempotent; later calls wait for the first.
func (r *Recorder) Close() {
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		recs := make([]*Recording, 0, len(r.active))
		for rec := range r.active {
			recs = append(recs, rec)
		}
		r.mu.Unlock()
		for _, rec := range recs {
			rec.detach()
			rec.requestStop(ReasonStopped)
		}
		r.cancel()
		r.wg.Wait()
		r.closer.close()
		r.notifier.close()
		_ = r.root.Close()
	})
}

// Start attaches a tap to src and records it as spec says. It fails with
// ErrSpec for a bad spec, ErrFull when the storage limit is reached,
// ErrExists when the recording's files exist, ErrClosed after Close, or the
// error of creating the files or attaching the tap.
func (r *Recorder) Start(src Attacher, spec Spec) (*Recording, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: no stream", ErrSpec)
	}
	if err := spec.validate(); err != nil {
		return nil, err
	}
	if r.store.isFull() {
		return nil, ErrFull
	}
	rec := r.newRecording(src, spec)
	if err := r.claim(rec); err != nil {
		return nil, err
	}
	if err := r.open(rec); err != nil {
		r.abandon(rec)
		return nil, err
	}
	if err := src.AddSink(rec.tap); err != nil {
		r.abandon(rec)
		return nil, fmt.Errorf("record: attach to the stream: %w", err)
	}
	if err := r.register(rec); err != nil {
		src.RemoveSink(rec.tap)
		r.abandon(rec)
		return nil, err
	}
	r.log.Debug("record: started", "call", spec.CallID, "name", spec.Name, "format", spec.Format.String())
	return rec, nil
}

// newRecording builds a recording of spec started now; nothing is on disk
// yet.
func (r *Recorder) newRecording(src Attacher, spec Spec) *Recording {
	rec := &Recording{r: r, src: src, spec: spec, tap: stream.NewTap(r.ring),
		done: make(chan struct{}), maxFrames: frames(spec.MaxDuration),
		silenceFrames: int(frames(spec.SilenceStop)), level: spec.SilenceLevel}
	if rec.level == 0 {
		rec.level = DefaultSilenceLevel
	}
	rec.res.Start = r.opts.Clock.Now()
	paths, channels := spec.files(rec.res.Start)
	for i, p := range paths {
		rec.tracks = append(rec.tracks, &track{rel: p, channels: channels[i],
			buf: make([]byte, 0, r.flush*2*frameSamples*channels[i])})
		rec.frameBytes = max(rec.frameBytes, 2*frameSamples*channels[i])
	}
	wavFrames := int64(maxData / (2 * frameSamples * 2)) // the stereo bound; mono is twice as long
	if rec.maxFrames == 0 || rec.maxFrames > wavFrames {
		rec.maxFrames = wavFrames
	}
	return rec
}

// claim reserves rec's file names, so that no other recording nor Delete
// touches them.
func (r *Recorder) claim(rec *Recording) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	for _, t := range rec.tracks {
		if _, ok := r.busy[t.part()]; ok {
			return fmt.Errorf("%w: %s", ErrExists, t.rel)
		}
	}
	for _, t := range rec.tracks {
		r.busy[t.part()] = struct{}{}
	}
	return nil
}

// open creates rec's folder and files.
func (r *Recorder) open(rec *Recording) error {
	dir := filepath.Dir(filepath.FromSlash(rec.tracks[0].rel))
	if err := r.root.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	for _, t := range rec.tracks {
		if _, err := r.root.Lstat(filepath.FromSlash(t.rel)); err == nil {
			return fmt.Errorf("%w: %s", ErrExists, t.rel)
		}
		if r.store.reserve(headerSize, headerSize) < headerSize {
			return ErrFull
		}
		t.reserved = true
		if err := t.open(r); err != nil {
			return err
		}
	}
	return nil
}

// abandon undoes what Start did for a recording that does not start.
func (r *Recorder) abandon(rec *Recording) {
	for _, t := range rec.tracks {
		t.discard(r)
	}
	r.mu.Lock()
	for _, t := range rec.tracks {
		delete(r.busy, t.part())
	}
	r.mu.Unlock()
}

// register hands rec to a writer, unless the recorder has closed.
func (r *Recorder) register(rec *Recording) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.active[rec] = struct{}{}
	rec.w = r.writers[int(r.next.Add(1))%len(r.writers)]
	rec.w.add(rec)
	return nil
}

// unregister forgets rec, whose files are final.
func (r *Recorder) unregister(rec *Recording) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.active, rec)
	for _, t := range rec.tracks {
		delete(r.busy, t.part())
	}
}

// wakeAll wakes every writer (the storage limit is reached).
func (r *Recorder) wakeAll() {
	for _, w := range r.writers {
		w.kick()
	}
}

// Usage returns the bytes in use under Dir: what New found, plus what the
// recordings wrote since, minus what Delete removed.
func (r *Recorder) Usage() int64 { return r.store.used.Load() }

// Active returns the number of recordings in progress.
func (r *Recorder) Active() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.active)
}
