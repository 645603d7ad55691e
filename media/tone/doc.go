// Package tone makes and measures pure test tones at 8 kHz: Sine builds a tone,
// WAV wraps linear PCM into a WAV file, and Dominant tells which of a few
// candidate frequencies a signal carries (Goertzel).
//
// It exists for tests and diagnostics: end-to-end tests write tone prompts
// (notice.wav = 500 Hz, confirm.wav = 700 Hz, ...) into the prompt folder and
// check by content what the caller hears. It must never be used on the 20 ms
// RTP path: every function here allocates its result.
package tone
