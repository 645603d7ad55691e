package prompt

import (
	"time"

	"github.com/ivrbox/ivrbox/media/g711"
)

// Rate is the sample rate, in Hz, of every Audio.
const Rate = 8000

// Audio is a decoded prompt: 8 kHz mono linear PCM and its µ-law and A-law
// encodings, computed once at load so playback only slices them. An Audio is
// shared by every call that plays it and must never be modified.
type Audio struct {
	// Name is where the audio came from: the file name relative to the prompt
	// folder (digits/5.wav), the absolute name under a mounted disk
	// (/tmp/media/networkdisk1/notice.wav) or builtin:notice.wav.
	Name string
	// PCM holds the samples, 16-bit signed linear at 8 kHz.
	PCM []int16
	// ULaw holds PCM encoded as G.711 µ-law, one byte per sample.
	ULaw []byte
	// ALaw holds PCM encoded as G.711 A-law, one byte per sample.
	ALaw []byte
}

// NewAudio returns the Audio for pcm (8 kHz mono), with both G.711 encodings
// computed. It keeps pcm; the caller must not modify it afterwards.
func NewAudio(name string, pcm []int16) *Audio {
	a := &Audio{Name: name, PCM: pcm, ULaw: make([]byte, len(pcm)), ALaw: make([]byte, len(pcm))}
	g711.EncodeULaw(a.ULaw, pcm)
	g711.EncodeALaw(a.ALaw, pcm)
	return a
}

// Duration returns how long the audio plays.
func (a *Audio) Duration() time.Duration {
	return time.Duration(len(a.PCM)) * time.Second / Rate
}

// size returns the memory the audio holds, in bytes: 2 for the PCM sample
// plus 1 each for µ-law and A-law.
func (a *Audio) size() int64 {
	return int64(len(a.PCM))*2 + int64(len(a.ULaw)) + int64(len(a.ALaw))
}
