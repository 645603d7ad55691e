package stream

import "errors"

// Errors returned by the package; test with errors.Is.
var (
	// ErrNoPorts reports that every port pair of the range is in use.
	ErrNoPorts = errors.New("stream: no free RTP port pair")
	// ErrClosed reports use of a closed Engine or Stream.
	ErrClosed = errors.New("stream: closed")
	// ErrCodec reports a codec other than PCMU and PCMA, or a DTMF payload
	// type that is not a valid dynamic one.
	ErrCodec = errors.New("stream: unsupported codec")
	// ErrNoDTMF reports SendDigit on a stream without a negotiated
	// telephone-event payload type.
	ErrNoDTMF = errors.New("stream: no telephone-event payload type negotiated")
	// ErrBusy reports SendDigit with too many digits already queued.
	ErrBusy = errors.New("stream: too many digits queued")
	// ErrCrypto reports SRTP keys a stream cannot use (unknown suite, a
	// key of the wrong length).
	ErrCrypto = errors.New("stream: bad SRTP keys")
	// ErrLinked reports Bridge on a stream that is already bridged (its
	// Source is a bridge's).
	ErrLinked = errors.New("stream: already bridged")
	// ErrTooManySinks reports AddSink on a stream that has as many sinks
	// as it takes.
	ErrTooManySinks = errors.New("stream: too many sinks")
	// errSelfLink reports Bridge of a stream to itself.
	errSelfLink = errors.New("stream: cannot bridge a stream to itself")
	// errOptions reports bad Options.
	errOptions = errors.New("stream: bad options")
)
