package prompt

import "errors"

var (
	// ErrNotFound means no prompt folder, built-in set or mounted disk has a
	// file for the name.
	ErrNotFound = errors.New("prompt not found")
	// ErrBadName means the name can never name a prompt: empty, a ".." element,
	// a NUL or control character, a backslash, or too long.
	ErrBadName = errors.New("bad prompt name")
	// ErrUnsupported means the file is well formed but in a format or encoding
	// this package does not decode (the error says which format code).
	ErrUnsupported = errors.New("unsupported audio format")
	// ErrCorrupt means the file is truncated or malformed.
	ErrCorrupt = errors.New("corrupt audio file")
	// ErrTooLong means the decoded audio would be longer than the configured
	// maximum duration, or the file is larger than the maximum file size.
	ErrTooLong = errors.New("audio too long")
)
