package files

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/media/prompt"
)

// Defaults of Options.
const (
	DefaultLinkTTL      = 5 * time.Minute
	DefaultMaxBytes     = 20 << 20
	DefaultFetchTimeout = 15 * time.Second
	DefaultMaxRedirects = 3
	DefaultMaxDuration  = prompt.DefaultMaxDuration
)

// minSecret is the shortest Options.Secret accepted.
const minSecret = 16

// Recordings is the box's recorder (a *record.Recorder) as the Store needs
// it: the record component's files, by their slash-separated path relative
// to the recordings folder.
type Recordings interface {
	// Open opens the recording at rel for reading.
	Open(rel string) (*os.File, error)
	// Delete removes the recording at rel.
	Delete(rel string) error
}

// RecordingNamer is what Recordings may also implement so that a :TEMP
// recording can be played: PromptName returns the name to hand the prompt
// cache for the recording at rel (an absolute path under a folder the box
// mounts into its prompt cache).
type RecordingNamer interface {
	PromptName(rel string) (string, error)
}

// Options configure New. Only PromptDir and TempDir are required; every
// other zero value means the documented default.
type Options struct {
	// PromptDir is the box's prompt store; the static storages are the
	// folders of Table() under it, made when first written.
	PromptDir string
	// TempDir is the root of the per-session temp folders
	// (<TempDir>/<session>/). The Store owns it: New empties it (the
	// leftovers from before a restart) and so does Close. It may not be
	// "/" nor hold PromptDir.
	TempDir string
	// Recordings is the box's recorder; nil: AddRecording refuses every
	// recording.
	Recordings Recordings
	// Secret is the key that signs download links (at least 16 bytes);
	// nil: 32 random bytes made by New, so links end with a restart.
	Secret []byte
	// Now is the clock of link expiry; nil: time.Now.
	Now func() time.Time
	// LinkTTL is how long a download link is valid; 0: DefaultLinkTTL.
	LinkTTL time.Duration
	// MaxBytes is the largest file fetched; 0: DefaultMaxBytes.
	MaxBytes int64
	// FetchTimeout bounds a whole fetch, redirects and body included;
	// 0: DefaultFetchTimeout.
	FetchTimeout time.Duration
	// MaxRedirects is how many redirects a fetch follows; 0:
	// DefaultMaxRedirects, negative: none.
	MaxRedirects int
	// MaxDuration is the longest audio accepted; 0: DefaultMaxDuration.
	MaxDuration time.Duration
	// Transport makes the fetches' requests; nil: a clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Log receives the Store's diagnostics; nil discards them.
	Log *slog.Logger
}

// withDefaults checks o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	if err := o.dirs(); err != nil {
		return o, err
	}
	switch {
	case o.Secret == nil:
		o.Secret = make([]byte, 32)
		_, _ = rand.Read(o.Secret) // never fails (crypto/rand)
	case len(o.Secret) < minSecret:
		return o, fmt.Errorf("files: Secret is %d bytes, at least %d are needed", len(o.Secret), minSecret)
	default:
		o.Secret = append([]byte(nil), o.Secret...)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.LinkTTL = orDefault(o.LinkTTL, DefaultLinkTTL)
	o.MaxBytes = orDefault(o.MaxBytes, DefaultMaxBytes)
	o.FetchTimeout = orDefault(o.FetchTimeout, DefaultFetchTimeout)
	o.MaxDuration = orDefault(o.MaxDuration, DefaultMaxDuration)
	switch {
	case o.MaxRedirects == 0:
		o.MaxRedirects = DefaultMaxRedirects
	case o.MaxRedirects < 0:
		o.MaxRedirects = 0
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// orDefault returns v, or def when v is not positive.
func orDefault[T int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// dirs makes PromptDir and TempDir absolute and refuses a TempDir whose
// emptying could remove anything else.
func (o *Options) dirs() error {
	if o.PromptDir == "" || o.TempDir == "" {
		return errors.New("files: PromptDir and TempDir are required")
	}
	var err error
	if o.PromptDir, err = filepath.Abs(o.PromptDir); err != nil {
		return fmt.Errorf("files: PromptDir: %w", err)
	}
	if o.TempDir, err = filepath.Abs(o.TempDir); err != nil {
		return fmt.Errorf("files: TempDir: %w", err)
	}
	rel, err := filepath.Rel(o.TempDir, o.PromptDir)
	if o.TempDir == filepath.Dir(o.TempDir) || err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return fmt.Errorf("files: TempDir %q is the root or holds PromptDir %q", o.TempDir, o.PromptDir)
	}
	return nil
}
