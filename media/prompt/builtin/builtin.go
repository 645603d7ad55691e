// Package builtin holds the default prompts embedded in the ivrbox binary, so
// a freshly flashed box speaks before anyone uploads a prompt: the demo IVR's
// notice, confirm, password, holdon, ok and password1, the hold music (music),
// the spoken digits digits/0 … digits/9 and the record beep (beep). They are
// 8 kHz mono WAV files (µ-law; the beep 16-bit PCM) made by gen.sh (espeak-ng
// and sox) and committed with it.
//
// This package only carries bytes; it must never decode or cache them (that is
// the prompt package's job) and must never grow large: the whole set stays
// well under 600 kB.
package builtin

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:generate bash gen.sh

//go:embed *.wav digits/*.wav
var files embed.FS

// FS holds the built-in prompt files (notice.wav, digits/5.wav, ...).
var FS fs.FS = files

// Names returns the names of the built-in prompts, without extension and
// sorted (confirm, digits/0, …, digits/9, holdon, music, ...).
func Names() []string {
	var names []string
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, strings.TrimSuffix(p, path.Ext(p)))
		}
		return nil
	})
	sort.Strings(names)
	return names
}
