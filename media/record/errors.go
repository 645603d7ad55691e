package record

import "errors"

// Errors returned by the package; test with errors.Is.
var (
	// ErrFull reports that the storage limit (Options.MaxBytes) is reached:
	// no recording starts until Delete frees space. It is also the
	// Result.Err of a recording that the limit cut short.
	ErrFull = errors.New("record: storage limit reached")
	// ErrClosed reports use of a closed Recorder.
	ErrClosed = errors.New("record: closed")
	// ErrSpec reports a Spec that cannot be recorded: a bad call id or name,
	// an unknown format, a negative duration, no stream.
	ErrSpec = errors.New("record: bad spec")
	// ErrExists reports that a recording with the same files already exists.
	ErrExists = errors.New("record: recording already exists")
	// ErrPath reports a path given to Open or Delete that cannot name a file
	// inside Dir: empty, absolute, with a ".." element, a backslash or a
	// control character.
	ErrPath = errors.New("record: bad path")
	// ErrBusy reports Delete of a file that is being recorded.
	ErrBusy = errors.New("record: file is being recorded")
	// errNotFile reports Open or Delete of something other than a regular
	// file (a folder, a symbolic link, a device).
	errNotFile = errors.New("not a regular file")
	// errHeader reports a file whose WAV header Repair cannot read.
	errHeader = errors.New("bad WAV header")
	// errOptions reports bad Options.
	errOptions = errors.New("record: bad options")
)
