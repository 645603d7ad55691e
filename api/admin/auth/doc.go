// Package auth keeps the admin credentials of an ivrbox: the one admin
// password (an argon2id hash), the web sessions and the API tokens, all in
// the bbolt bucket "admin" of the box's data file, plus an in-memory login
// throttle per client address.
//
// Nothing secret is stored in the clear: the password as argon2id (m=19 MiB,
// t=2, p=1, 16-byte salt, parameters stored with the hash so they can be
// raised later), session ids and tokens (32 random bytes each) as their
// SHA-256, which is enough for high-entropy secrets and keeps each request's
// check cheap. Sessions are in the data file so they survive a restart of
// the box; they end after 8 h without use or 24 h after login.
//
// This package never logs or returns a password, session id or token after
// creating it, never compares secrets in variable time, and never writes
// outside its bucket. It knows nothing of HTTP.
package auth
