package prompt

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// DefaultMaxDuration bounds the decoded length of a prompt when no other limit
// is given.
const DefaultMaxDuration = 10 * time.Minute

// extensions lists the file extensions tried, in this order, for a name
// without one. WAV comes first because that is what the web page uploads and
// the PBX seed names; then the raw G.711 files (no decoding cost), signed
// linear, and MP3 last (the most expensive to decode). Unlike Asterisk the
// playback cost does not depend on the format: every prompt is decoded once
// and held as PCM, µ-law and A-law.
var extensions = []string{".wav", ".ulaw", ".alaw", ".pcmu", ".pcma", ".sln", ".sln16", ".mp3"}

// Extensions returns the extensions tried, in order, for a name without one.
func Extensions() []string {
	return append([]string(nil), extensions...)
}

// format is the decoder a file extension selects.
type format int

const (
	formatUnknown format = iota
	formatWAV
	formatULaw
	formatALaw
	formatSLin
	formatSLin16
	formatMP3
)

// formatOf returns the format of a file name by its extension (any case).
func formatOf(name string) format {
	switch strings.ToLower(path.Ext(name)) {
	case ".wav", ".wave":
		return formatWAV
	case ".ulaw", ".pcmu", ".ul", ".mulaw":
		return formatULaw
	case ".alaw", ".pcma", ".al":
		return formatALaw
	case ".sln", ".slin":
		return formatSLin
	case ".sln16", ".slin16":
		return formatSLin16
	case ".mp3":
		return formatMP3
	}
	return formatUnknown
}

// hasAudioExt reports whether name ends in an extension Decode knows.
func hasAudioExt(name string) bool { return formatOf(name) != formatUnknown }

var errNoAudio = fmt.Errorf("%w: no audio samples", ErrCorrupt)

// Decode decodes data, the content of the file name, to 8 kHz mono 16-bit
// linear PCM. The extension of name selects the decoder (.wav, .ulaw/.pcmu,
// .alaw/.pcma, .sln, .sln16, .mp3); a .wav or .mp3 file whose content is the
// other of the two is decoded by its content. maxDur bounds the decoded
// duration (0 means DefaultMaxDuration); longer audio gives ErrTooLong. An
// unsupported format gives ErrUnsupported, a damaged file ErrCorrupt; the
// error says what was wrong and where.
func Decode(name string, data []byte, maxDur time.Duration) ([]int16, error) {
	if maxDur <= 0 {
		maxDur = DefaultMaxDuration
	}
	maxOut := int(min(maxDur, 24*time.Hour) / (time.Second / Rate))
	f := formatOf(name)
	switch { // a .wav holding MP3 or a .mp3 holding a WAV: trust the content
	case f == formatWAV && !isRIFF(data) && isMP3(data):
		f = formatMP3
	case f == formatMP3 && isRIFF(data):
		f = formatWAV
	}
	var pcm []int16
	var err error
	switch f {
	case formatWAV:
		pcm, err = decodeWAV(data, maxOut)
	case formatMP3:
		pcm, err = decodeMP3(data, maxOut)
	case formatUnknown:
		return nil, fmt.Errorf("%w: unknown file extension %q", ErrUnsupported, path.Ext(name))
	default:
		pcm, err = decodeRaw(f, data, maxOut)
	}
	if err == nil && len(pcm) == 0 {
		err = errNoAudio
	}
	if err != nil {
		return nil, err
	}
	return pcm, nil
}

func isRIFF(b []byte) bool {
	return len(b) >= 4 && (string(b[:4]) == "RIFF" || string(b[:4]) == "RF64")
}

// isMP3 reports whether b starts with an ID3v2 tag or an MPEG audio frame sync.
func isMP3(b []byte) bool {
	return bytes.HasPrefix(b, []byte("ID3")) || (len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0)
}

// durationOf returns the play time of n samples at Rate.
func durationOf(n int) time.Duration { return time.Duration(n) * time.Second / Rate }

// checkLength returns ErrTooLong when inFrames samples at inRate resample to
// more than maxOut samples.
func checkLength(inFrames int64, inRate, maxOut int) error {
	if out := inFrames * Rate / int64(inRate); out > int64(maxOut) {
		return fmt.Errorf("%w: %v of audio, the limit is %v", ErrTooLong,
			(time.Duration(inFrames) * time.Second / time.Duration(inRate)).Round(time.Millisecond), durationOf(maxOut))
	}
	return nil
}

// isFormatErr reports whether err says something about the file (as opposed
// to the place it was read from).
func isFormatErr(err error) bool {
	return errors.Is(err, ErrCorrupt) || errors.Is(err, ErrUnsupported) || errors.Is(err, ErrTooLong)
}
