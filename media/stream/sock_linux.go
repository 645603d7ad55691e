//go:build linux && !386 && !portablerecv

package stream

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"unsafe"
)

// sock is a UDP socket the shard reads and writes with raw non-blocking
// system calls. It is deliberately not a net.UDPConn: Go's poller would be
// told of every datagram that arrives (an event each, and a goroutine
// woken, where the shard's own poller hands it batches of readable
// sockets), and its locks would be taken on every read and write. The
// stream's io mutex makes sure the descriptor is not closed while the
// shard uses it.
//
// Reads and writes are raw system calls (syscall.RawSyscall6): the socket
// never blocks, so the runtime need not be told the thread is in a system
// call. Told, its monitor takes back the processor of a thread it finds in
// one twice in a row (a send on loopback delivers the datagram, and can
// take that long) and then polls every 20 µs for a while: that monitor
// alone cost a sixth of the box's CPU at 300 new calls a second.
type sock struct {
	fd  int
	is6 bool

	sa    syscall.RawSockaddrAny // source of the last datagram read
	salen uint32

	dst   netip.AddrPort // the address dst4/dst6 hold
	dst4  syscall.RawSockaddrInet4
	dst6  syscall.RawSockaddrInet6
	dstSz uintptr
}

// openSock binds a non-blocking UDP socket to local ("udp4" or "udp6").
func openSock(network string, local netip.AddrPort) (*sock, error) {
	s := &sock{is6: network == "udp6"}
	family := syscall.AF_INET
	if s.is6 {
		family = syscall.AF_INET6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if s.is6 {
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1); err != nil {
			rawClose(fd)
			return nil, fmt.Errorf("setsockopt: %w", err)
		}
	}
	if err := s.setDst(local); err != nil {
		rawClose(fd)
		return nil, fmt.Errorf("bind %v: %w", local, err)
	}
	if err := s.rawBind(fd); err != nil {
		rawClose(fd)
		return nil, fmt.Errorf("bind %v: %w", local, err)
	}
	s.dst = netip.AddrPort{} // the next write sets its destination
	s.fd = fd
	return s, nil
}

// read returns the next waiting datagram (read into buf) and its source;
// trunc reports one longer than buf; ok is false when none is waiting.
func (s *sock) read(buf []byte) (b []byte, trunc bool, from netip.AddrPort, ok bool) {
	for {
		s.salen = uint32(unsafe.Sizeof(s.sa))
		n, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(s.fd),
			uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
			syscall.MSG_DONTWAIT|syscall.MSG_TRUNC,
			uintptr(unsafe.Pointer(&s.sa)), uintptr(unsafe.Pointer(&s.salen)))
		switch errno {
		case 0:
			if int(n) > len(buf) {
				return buf, true, s.source(), true
			}
			return buf[:n], false, s.source(), true
		case syscall.EINTR:
			continue
		}
		return nil, false, netip.AddrPort{}, false
	}
}

// source converts the raw sockaddr of the last datagram.
func (s *sock) source() netip.AddrPort {
	switch s.sa.Addr.Family {
	case syscall.AF_INET:
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&s.sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), netPort(sa.Port))
	case syscall.AF_INET6:
		sa := (*syscall.RawSockaddrInet6)(unsafe.Pointer(&s.sa))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), netPort(sa.Port))
	}
	return netip.AddrPort{}
}

var errFamily = errors.New("address family does not match the socket")

// writeTo sends b to dst. The sockaddr is rebuilt only when dst changes.
func (s *sock) writeTo(b []byte, dst netip.AddrPort) error {
	if dst != s.dst {
		if err := s.setDst(dst); err != nil {
			return err
		}
	}
	ptr := uintptr(unsafe.Pointer(&s.dst4))
	if s.is6 {
		ptr = uintptr(unsafe.Pointer(&s.dst6))
	}
	for {
		_, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(s.fd),
			uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, ptr, s.dstSz)
		switch errno {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		}
		return errno
	}
}

func (s *sock) setDst(dst netip.AddrPort) error {
	port := dst.Port()
	p := (*[2]byte)(unsafe.Pointer(&s.dst4.Port))
	if s.is6 {
		p = (*[2]byte)(unsafe.Pointer(&s.dst6.Port))
	}
	p[0], p[1] = byte(port>>8), byte(port)
	switch ip := dst.Addr(); {
	case s.is6:
		s.dst6.Family = syscall.AF_INET6
		s.dst6.Addr = ip.As16()
		s.dstSz = unsafe.Sizeof(s.dst6)
	case ip.Is4() || ip.Is4In6():
		s.dst4.Family = syscall.AF_INET
		s.dst4.Addr = ip.Unmap().As4()
		s.dstSz = unsafe.Sizeof(s.dst4)
	default:
		return fmt.Errorf("%w: %v", errFamily, dst)
	}
	s.dst = dst
	return nil
}

// close closes the descriptor. The caller holds the stream's io mutex.
func (s *sock) close() error {
	if s.fd < 0 {
		return nil
	}
	err := rawClose(s.fd)
	s.fd = -1
	return err
}

// rawBind binds fd to the address setDst put in the socket's destination
// (a raw call: binding never blocks).
func (s *sock) rawBind(fd int) error {
	ptr := uintptr(unsafe.Pointer(&s.dst4))
	if s.is6 {
		ptr = uintptr(unsafe.Pointer(&s.dst6))
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_BIND, uintptr(fd), ptr, s.dstSz); errno != 0 {
		return errno
	}
	return nil
}

// rawClose closes a UDP socket's descriptor (a raw call: it never blocks).
func rawClose(fd int) error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0); errno != 0 {
		return errno
	}
	return nil
}

// netPort converts a port stored in network byte order.
func netPort(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}
