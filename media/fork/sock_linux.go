//go:build linux

package fork

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// sock is the forker's unconnected UDP socket. Sends are non-blocking
// system calls made through the socket's RawConn: a full socket buffer
// fails at once with EAGAIN (the packet is dropped and counted) instead of
// waiting in Go's poller. An unconnected socket never reports ICMP errors
// (port unreachable) on later sends, so one bad target cannot disturb the
// others.
type sock struct {
	c   *net.UDPConn
	rc  syscall.RawConn
	is6 bool // an AF_INET6 socket
	v4  bool // it reaches IPv4 targets

	// The arguments and result of the send in progress; sendFD is the
	// RawConn callback, made once so a send allocates nothing.
	sa4    unix.SockaddrInet4
	sa6    unix.SockaddrInet6
	to     unix.Sockaddr // &sa4 or &sa6
	b      []byte
	err    error
	sendFD func(fd uintptr) bool
}

// openSock binds the socket to local (zero address: any); broadcast sets
// SO_BROADCAST (Go sets it on every UDP socket; it is cleared otherwise).
func openSock(local netip.AddrPort, broadcast bool) (*sock, error) {
	c, err := net.ListenUDP(network(local.Addr()), net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, fmt.Errorf("fork: socket: %w", err)
	}
	s := &sock{c: c}
	if err := s.init(broadcast); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("fork: socket: %w", err)
	}
	return s, nil
}

// init sets SO_BROADCAST, learns the socket's family and prepares the
// send callback.
func (s *sock) init(broadcast bool) error {
	rc, err := s.c.SyscallConn()
	if err != nil {
		return err
	}
	s.rc = rc
	var serr error
	err = rc.Control(func(fd uintptr) {
		on := 0
		if broadcast {
			on = 1
		}
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_BROADCAST, on); serr != nil {
			return
		}
		var sa unix.Sockaddr
		if sa, serr = unix.Getsockname(int(fd)); serr != nil {
			return
		}
		sa6, ok := sa.(*unix.SockaddrInet6)
		if !ok {
			s.v4 = true
			return
		}
		s.is6 = true
		only, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY)
		if err != nil {
			serr = err
			return
		}
		s.v4 = only == 0 && netip.AddrFrom16(sa6.Addr).IsUnspecified()
	})
	if err == nil {
		err = serr
	}
	s.to = &s.sa4
	if s.is6 {
		s.to = &s.sa6
	}
	s.sendFD = s.send
	return err
}

// reaches reports whether the socket can send to a.
func (s *sock) reaches(a netip.Addr) bool {
	if a.Is4() {
		return s.v4
	}
	return s.is6
}

// begin prepares a tick's sends; a Linux socket needs nothing.
func (s *sock) begin() {}

// writeTo sends b to dst without waiting.
func (s *sock) writeTo(b []byte, dst netip.AddrPort) error {
	a := dst.Addr()
	if !s.reaches(a) {
		return errFamily
	}
	if s.is6 {
		s.sa6.Addr, s.sa6.Port = a.As16(), int(dst.Port())
	} else {
		s.sa4.Addr, s.sa4.Port = a.As4(), int(dst.Port())
	}
	s.b = b
	err := s.rc.Write(s.sendFD)
	if err == nil {
		err = s.err
	}
	s.b, s.err = nil, nil
	return err
}

// send is the RawConn callback: one sendto, never waiting for the socket
// to become writable (returning false would make the poller wait).
func (s *sock) send(fd uintptr) bool {
	for {
		s.err = unix.Sendto(int(fd), s.b, unix.MSG_DONTWAIT, s.to)
		if s.err != unix.EINTR {
			return true
		}
	}
}

// local returns the address the socket is bound to.
func (s *sock) local() netip.AddrPort {
	return s.c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// close closes the socket.
func (s *sock) close() error { return s.c.Close() }
