package auth

import "errors"

var (
	// ErrNoPassword means no admin password is set yet (first run).
	ErrNoPassword = errors.New("auth: no admin password is set")
	// ErrSetupDone means Setup was called when a password is already set.
	ErrSetupDone = errors.New("auth: the admin password is already set")
	// ErrWrongPassword means the password given does not match.
	ErrWrongPassword = errors.New("auth: wrong password")
	// ErrWeakPassword means a new password breaks the length rules.
	ErrWeakPassword = errors.New("auth: password too weak")
	// ErrNoSession means the session id is unknown, ended or expired.
	ErrNoSession = errors.New("auth: no such session")
	// ErrNoToken means the token or token id is unknown or revoked.
	ErrNoToken = errors.New("auth: no such token")
	// ErrBadName means a token name breaks the naming rules.
	ErrBadName = errors.New("auth: bad token name")
	// ErrTooMany means the limit of tokens is reached.
	ErrTooMany = errors.New("auth: too many tokens")
)
