package record

import (
	"errors"
	"syscall"
	"time"
)

// Reasons a recording ends (Result.Reason), besides the reason given to
// Stop and "error: " followed by the error of a failed write.
const (
	// ReasonStopped: Stop was called with an empty reason, or the Recorder
	// closed.
	ReasonStopped = "stopped"
	// ReasonMaxDuration: the recording reached Spec.MaxDuration (or the
	// WAV format's 4 GiB).
	ReasonMaxDuration = "max-duration"
	// ReasonSilence: the caller was silent for Spec.SilenceStop.
	ReasonSilence = "silence"
	// ReasonStorageFull: the storage limit, Options.MaxBytes, was reached.
	ReasonStorageFull = "storage-full"
	// ReasonDiskFull: a write failed because the disk is full (ENOSPC).
	ReasonDiskFull = "disk-full"
	// ReasonErrorPrefix starts the reason of a recording a write error
	// ended: "error: " and the error.
	ReasonErrorPrefix = "error: "
)

// Result is what a finished recording left.
type Result struct {
	// CallID, Name and Format are the recording's Spec.
	CallID, Name string
	Format       Format
	// Files are the recording's files, one or two (Split: the caller's
	// first).
	Files []File
	// Duration is the audio recorded, silence filled into gaps included.
	Duration time.Duration
	// Reason is why the recording ended: the reason given to Stop (such as
	// "hangup"), ReasonStopped, ReasonMaxDuration, ReasonSilence,
	// ReasonStorageFull, ReasonDiskFull, or ReasonErrorPrefix and an error.
	Reason string
	// Err is the first error met writing or finalising the files, nil if
	// they are complete. A file that could not be renamed keeps its .part
	// name (Repair fixes it at the next start).
	Err error
	// Dropped is the number of frames the tap dropped because its ring was
	// full; the recording holds silence in their place.
	Dropped uint64
	// Start and End are the times, on Options.Clock, the recording started
	// and its files were finalised.
	Start, End time.Time
}

// File is one file of a finished recording.
type File struct {
	// Path is the file's path relative to Dir, slash-separated, such as
	// 2026/03/14/call1-greeting.wav.
	Path string
	// Channels is 1 (mono) or 2 (stereo: the caller left, the box right).
	Channels int
	// Bytes is the size of the file, its 44-byte header included.
	Bytes int64
	// Duration is the audio in the file.
	Duration time.Duration
}

// reasonOf returns the Result.Reason of a recording that err ended.
func reasonOf(err error) string {
	switch {
	case errors.Is(err, ErrFull):
		return ReasonStorageFull
	case errors.Is(err, syscall.ENOSPC):
		return ReasonDiskFull
	}
	return ReasonErrorPrefix + err.Error()
}
