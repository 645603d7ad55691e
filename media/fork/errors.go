package fork

import "errors"

// Errors returned by this package; they are wrapped with detail, so test
// them with errors.Is.
var (
	// ErrTarget means a target string is not a valid udp://host:port.
	ErrTarget = errors.New("fork: bad target")
	// ErrResolve means a target's host name did not resolve.
	ErrResolve = errors.New("fork: target host does not resolve")
	// ErrPolicy means the target's address is one the Policy refuses.
	ErrPolicy = errors.New("fork: target refused")
	// ErrNoTarget means a Spec names no target at all.
	ErrNoTarget = errors.New("fork: no target")
	// ErrLimit means the Forker already runs Options.MaxForks forks.
	ErrLimit = errors.New("fork: too many forks")
	// ErrClosed means the Forker is closed.
	ErrClosed = errors.New("fork: forker closed")
	// ErrOptions means Options hold an invalid value.
	ErrOptions = errors.New("fork: bad options")
)

// errFamily means a target is of an address family the socket cannot reach
// (an IPv6 target from an IPv4 socket).
var errFamily = errors.New("address family does not match the socket")

// errShort means the system reported a batch sent short without saying why;
// the packet it stopped at is counted failed.
var errShort = errors.New("batch send stopped without an error")
