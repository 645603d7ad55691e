//go:build !linux

package main

import "net"

// enableRxStamps reports false: kernel receive timestamps are read on
// Linux only.
func enableRxStamps(*net.UDPConn) bool { return false }

// rxStamp finds no timestamp.
func rxStamp([]byte) (int64, bool) { return 0, false }
