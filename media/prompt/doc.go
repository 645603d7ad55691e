// Package prompt turns prompt names into ready-to-play audio: it resolves a
// name like Asterisk does (notice → notice.wav, digits/5, /tmp/media/networkdisk1/notice),
// expands ${VAR} variables, decodes WAV (8/16/24/32-bit PCM, float, µ-law,
// A-law, extensible; any rate and channel count), raw G.711 and signed-linear
// files and MP3 to 8 kHz mono linear PCM, encodes µ-law and A-law once, and
// keeps the result in a memory-bounded Cache.
//
// A relative name is looked up in the local prompt folder (Options.Dir, through
// os.Root so that no name or link can leave it), then in the built-in prompts
// embedded in the binary (package builtin). An absolute name goes to the
// Source mounted at its longest matching prefix (the network disks). A name
// without a known extension tries Extensions() in order: .wav, .ulaw, .alaw,
// .pcmu, .pcma, .sln, .sln16, .mp3.
//
// MP3 decoding uses github.com/hajimehoshi/go-mp3, which handles MPEG-1 and
// MPEG-2 Layer III; MPEG-2 streams with padded frames (22.05 kHz) are
// repacked first to work around a frame-size bug in it (mp3lsf.go), and
// MPEG-2.5 (8–12 kHz) gives ErrUnsupported.
//
// Everything here runs on the control path: Get may stat, read and decode
// files. It must never be called on the 20 ms RTP path; the player takes the
// *Audio that Get returned and only slices its PCM, ULaw or ALaw. Audio values
// are shared between calls and must never be modified. Nothing in this package
// panics on bad input: every corrupt, truncated or unsupported file gives an
// error that says which file, which chunk and which format code.
package prompt
