package files

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/ivrbox/ivrbox/media/prompt"
)

// MaxNameLen bounds a file name the Store makes (from a URL, for a
// recording), in bytes.
const MaxNameLen = 100

// RecordsDir is the folder of :TEMP under which a session's recordings
// appear (":TEMP/ivr_records/<name>").
const RecordsDir = "ivr_records"

// sanitize returns s as a file name: letters, digits, '-', '_' and '.'
// only (anything else becomes '_'), no leading '.', at most MaxNameLen
// bytes with the extension kept. It may return "".
func sanitize(s string) string {
	name := strings.TrimLeft(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s), ".")
	if len(name) <= MaxNameLen {
		return name
	}
	ext := path.Ext(name)
	if len(ext) > 16 {
		ext = ""
	}
	return name[:MaxNameLen-len(ext)] + ext
}

// isAudioExt reports whether name ends in one of prompt.Extensions() (any
// case).
func isAudioExt(name string) bool {
	return slices.Contains(prompt.Extensions(), strings.ToLower(path.Ext(name)))
}

// fileName returns the name a fetched file is kept under: the first of
// segs (the last path segments of the URL asked for and of the one
// redirected to) that sanitizes to something, with its audio extension in
// lower case, or else with an extension taken from the content (RIFF:
// .wav, MP3: .mp3) in place of its own. Content that is neither gives
// ErrNotAudio.
func fileName(data []byte, segs ...string) (string, error) {
	name := ""
	for _, s := range segs {
		if name = sanitize(s); name != "" {
			break
		}
	}
	if name == "" {
		name = "file"
	}
	ext := path.Ext(name)
	if isAudioExt(name) {
		return name[:len(name)-len(ext)] + strings.ToLower(ext), nil
	}
	var want string
	switch {
	case isRIFF(data):
		want = ".wav"
	case isMP3(data):
		want = ".mp3"
	default:
		return "", fmt.Errorf("%w: %q has no audio extension (%s) and is neither WAV nor MP3",
			ErrNotAudio, short(name), strings.Join(prompt.Extensions(), " "))
	}
	base := strings.TrimSuffix(name, ext)
	if base == "" {
		base = "file"
	}
	return sanitize(base + want), nil
}

func isRIFF(b []byte) bool {
	return len(b) >= 12 && (string(b[:4]) == "RIFF" || string(b[:4]) == "RF64") && string(b[8:12]) == "WAVE"
}

// isMP3 reports whether b starts with an ID3v2 tag or an MPEG audio frame
// sync.
func isMP3(b []byte) bool {
	return bytes.HasPrefix(b, []byte("ID3")) || (len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0)
}

// contentTypes maps the extensions of audio files to their media types.
var contentTypes = map[string]string{
	".wav": "audio/wav", ".wave": "audio/wav",
	".mp3":  "audio/mpeg",
	".ulaw": "audio/basic", ".pcmu": "audio/basic", ".ul": "audio/basic", ".mulaw": "audio/basic",
	".alaw": "audio/x-alaw-basic", ".pcma": "audio/x-alaw-basic", ".al": "audio/x-alaw-basic",
}

// contentType returns the media type of a file served by its extension;
// application/octet-stream for anything else (signed linear included).
func contentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return "application/octet-stream"
}
