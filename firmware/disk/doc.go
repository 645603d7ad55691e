// Package disk mounts SMB 2/3 network disks (pure Go, github.com/cloudsoda/go-smb2:
// no kernel mount, no root) as prompt sources at /tmp/media/networkdiskN.
//
// Each Disk is a prompt.Source. Every SMB operation runs on its own goroutine
// with a timeout, at most one per disk at a time: an operation that hangs
// (a frozen server) returns an error after the timeout, its connection is
// torn down (which ends the hung goroutine) and rebuilt later. A checker per
// disk probes the share every few seconds, reports mounted or error with the
// cause, and reconnects with back-off when the server returns.
//
// The raw files read from a disk are kept under <data>/cache/diskN, keyed by
// path, size and modification time, so a prompt played once still plays
// after a restart while the server is down; a file changed on the share is
// fetched again on its next use.
//
// Disk.List and Disk.AudioFiles list a disk's folders and audio files for
// the admin API (each listing one SMB operation under the look-up timeout);
// the checker also counts the audio files and asks for the free space every
// few checks, so Info never waits on the server.
//
// This package must never be called on the RTP path, never hold a lock while
// talking to a server, and never log or return a password.
package disk
