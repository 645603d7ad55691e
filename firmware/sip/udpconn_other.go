//go:build !linux

package sip

import "net"

// quietPacketConn returns c: only the Linux build reads and writes the SIP
// UDP socket with raw system calls.
func quietPacketConn(c net.PacketConn) net.PacketConn { return c }

// beforeRead reports false: without the Linux wrapper every datagram is
// parsed in screening.
func beforeRead(net.PacketConn, func()) bool { return false }
