// Package record records calls' audio to WAV files (16-bit linear PCM,
// 8 kHz), fed by media taps.
//
// A Recorder owns a folder of recordings (Options.Dir) and a few writer
// goroutines. Start attaches a stream.Tap to a call's stream and records it
// in one of four formats: Mixed (both directions summed into one mono file),
// Stereo (the caller left, the box right), Split (one mono file per
// direction) or In (the caller only, for voicemail-style record steps).
// Files go to Dir/YYYY/MM/DD/<callid>-<name>[-in|-out].wav.
//
// The stream's shard only copies each 20 ms frame into the tap's ring. Every
// DrainEvery the writers empty the rings, decode G.711 to linear PCM, fill
// gaps in the frame numbers with silence (so a file's duration is the call's
// true duration), and buffer about FlushEvery of audio per file before
// writing it. After each write the WAV header's RIFF and data sizes are
// rewritten in place, so a file read while it grows is a valid WAV. While
// recording, a file is named <final>.part; it gets its final name when the
// recording ends. Repair (run by New) turns the .part files a crash or a
// power cut left behind into playable .wav files.
//
// A recording ends when it is stopped (Stop, Recorder.Close), when it
// reaches Spec.MaxDuration, after Spec.SilenceStop of silence from the
// caller, when the storage limit (Options.MaxBytes) is reached (every active
// recording stops, and Start gives ErrFull until Delete frees space), or
// when a write fails (disk full, I/O error). Whatever the reason, the files
// are finalised and playable, and Options.OnFinish hears the Result.
// Finalising (fsync, close, rename) runs on a goroutine of its own and
// OnFinish on another, so neither a slow disk nor a slow listener delays
// the writers.
//
// Open, Delete and Usage serve the admin API; they are confined to Dir
// through os.Root, so no name or symbolic link reaches outside it.
//
// This package must never block a media shard: the shard's only work is
// Tap.WriteFrame, which copies a frame and never waits; the disk is touched
// by the writer goroutines alone. It never touches a stream except through
// AddSink and RemoveSink, so a recording that fails never affects its call.
// It never deletes audio except through Delete: Repair only fixes headers,
// trims a trailing partial sample and renames.
package record
