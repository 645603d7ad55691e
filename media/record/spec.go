package record

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ivrbox/ivrbox/media/stream"
)

// Audio constants of every file written here.
const (
	sampleRate      = 8000
	frameSamples    = stream.FrameSamples
	frameDur        = 20 * time.Millisecond
	framesPerSecond = int(time.Second / frameDur)
)

// Limits on the parts of a file name.
const (
	maxCallID = 120
	maxName   = 100
)

// DefaultSilenceLevel is the RMS level, in linear 16-bit units, under which
// a frame of the caller's audio counts as silence for Spec.SilenceStop when
// Spec.SilenceLevel is zero: 328 is -40 dBFS, well under speech and above the
// hiss of a quiet line.
const DefaultSilenceLevel = 328

// Format is how a recording lays out the two directions of a call.
type Format uint8

// The formats. The zero value is Mixed.
const (
	// Mixed is one mono file: the sum of the caller's and the box's audio,
	// clipped to 16 bits.
	Mixed Format = iota
	// Stereo is one two-channel file: the caller (Frame.In) on the left,
	// the box (Frame.Out) on the right.
	Stereo
	// Split is two mono files, <base>-in.wav (the caller) and
	// <base>-out.wav (the box).
	Split
	// In is one mono file of the caller's side only, for voicemail-style
	// record steps.
	In
)

var formatNames = [...]string{Mixed: "mixed", Stereo: "stereo", Split: "split", In: "in"}

// String returns the format's name: "mixed", "stereo", "split" or "in".
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}

// ParseFormat returns the format named s (as String spells it; empty means
// Mixed).
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return Mixed, nil
	}
	for f, n := range formatNames {
		if n == s {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown format %q (want mixed, stereo, split or in)", ErrSpec, short(s))
}

// Spec describes one recording.
type Spec struct {
	// Format is the layout of the files; the zero value is Mixed.
	Format Format
	// CallID and Name make the file names, <CallID>-<Name>.wav (Split adds
	// -in and -out). Both are required UTF-8; neither may start with a dot,
	// hold "..", a slash, a backslash or a control character, or be longer
	// than 120 (CallID) or 100 (Name) bytes.
	CallID, Name string
	// MaxDuration ends the recording with ReasonMaxDuration once it holds
	// this much audio (rounded up to 20 ms frames); 0 means no limit
	// other than the WAV format's 4 GiB.
	MaxDuration time.Duration
	// SilenceStop ends the recording with ReasonSilence after this much
	// continuous silence from the caller (rounded up to 20 ms frames); 0
	// turns silence detection off. A frame is silent when the caller sent
	// nothing, or its RMS level is under SilenceLevel.
	SilenceStop time.Duration
	// SilenceLevel is the RMS level (linear, 0-32767) under which a frame
	// counts as silence; 0 means DefaultSilenceLevel.
	SilenceLevel int
}

// validate reports whether s can be recorded.
func (s Spec) validate() error {
	if int(s.Format) >= len(formatNames) {
		return fmt.Errorf("%w: unknown format %d", ErrSpec, s.Format)
	}
	if err := checkName("call id", s.CallID, maxCallID); err != nil {
		return err
	}
	if err := checkName("name", s.Name, maxName); err != nil {
		return err
	}
	if s.MaxDuration < 0 || s.SilenceStop < 0 {
		return fmt.Errorf("%w: negative duration", ErrSpec)
	}
	if s.SilenceLevel < 0 || s.SilenceLevel > 32767 {
		return fmt.Errorf("%w: silence level %d out of 0-32767", ErrSpec, s.SilenceLevel)
	}
	return nil
}

// checkName reports whether s can be part of a file name.
func checkName(what, s string, maxLen int) error {
	bad := ""
	switch {
	case s == "":
		return fmt.Errorf("%w: empty %s", ErrSpec, what)
	case len(s) > maxLen:
		return fmt.Errorf("%w: %s of %d bytes, longer than %d", ErrSpec, what, len(s), maxLen)
	case !utf8.ValidString(s):
		bad = "is not UTF-8"
	case strings.Contains(s, ".."):
		bad = `holds ".."`
	case strings.ContainsAny(s, `/\`):
		bad = "holds a slash"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		bad = "holds a control character"
	case s[0] == '.':
		bad = "starts with a dot"
	default:
		return nil
	}
	return fmt.Errorf("%w: %s %q %s", ErrSpec, what, s, bad)
}

// short cuts outside input to a length fit for errors and logs.
func short(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// files returns the final paths, relative to Dir, of a recording of s
// started at t, and each file's channel count.
func (s Spec) files(t time.Time) (paths []string, channels []int) {
	base := t.Format("2006/01/02") + "/" + s.CallID + "-" + s.Name
	switch s.Format {
	case Stereo:
		return []string{base + ".wav"}, []int{2}
	case Split:
		return []string{base + "-in.wav", base + "-out.wav"}, []int{1, 1}
	}
	return []string{base + ".wav"}, []int{1}
}

// frames returns d in frames, rounded up.
func frames(d time.Duration) int64 {
	return int64((d + frameDur - 1) / frameDur)
}
