//go:build linux && !386 && !portablerecv

package stream

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"
)

// receiver reads datagrams without blocking and without allocating: a
// raw recvfrom(2) with MSG_DONTWAIT into a fixed buffer and sockaddr, run
// through the socket's RawConn with a callback that always returns true, so
// the runtime never parks the shard goroutine.
type receiver struct {
	raw   syscall.RawConn
	fn    func(fd uintptr) bool // r.recv, bound once
	buf   []byte
	n     int
	errno syscall.Errno
	sa    syscall.RawSockaddrAny
	salen uint32
}

func (r *receiver) init(c *net.UDPConn, buf []byte) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	r.raw, r.buf = raw, buf
	r.fn = r.recv
	return nil
}

func (r *receiver) recv(fd uintptr) bool {
	r.salen = uint32(unsafe.Sizeof(r.sa))
	n, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd,
		uintptr(unsafe.Pointer(&r.buf[0])), uintptr(len(r.buf)),
		syscall.MSG_DONTWAIT|syscall.MSG_TRUNC,
		uintptr(unsafe.Pointer(&r.sa)), uintptr(unsafe.Pointer(&r.salen)))
	r.n, r.errno = int(n), errno
	return true
}

// read returns the next waiting datagram's length (larger than the buffer
// if it was truncated) and source; ok is false when none is waiting or the
// socket is closed.
func (r *receiver) read() (n int, from netip.AddrPort, ok bool) {
	for {
		if err := r.raw.Read(r.fn); err != nil {
			return 0, netip.AddrPort{}, false
		}
		if r.errno != syscall.EINTR {
			break
		}
	}
	if r.errno != 0 {
		return 0, netip.AddrPort{}, false
	}
	return r.n, r.source(), true
}

// source converts the raw sockaddr of the last datagram.
func (r *receiver) source() netip.AddrPort {
	switch r.sa.Addr.Family {
	case syscall.AF_INET:
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&r.sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), netPort(sa.Port))
	case syscall.AF_INET6:
		sa := (*syscall.RawSockaddrInet6)(unsafe.Pointer(&r.sa))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), netPort(sa.Port))
	}
	return netip.AddrPort{}
}

// netPort converts a port stored in network byte order.
func netPort(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}
