//go:build linux

package fork

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sock is the forker's unconnected UDP socket. A batch of packets goes
// out with one sendmmsg system call, non-blocking (MSG_DONTWAIT) and made
// through the socket's RawConn.Control rather than Write, so Go's poller
// never waits for buffer space: a full socket buffer fails at once with
// EAGAIN and the packets are dropped and counted. An unconnected socket
// never reports ICMP errors (port unreachable) on later sends, so one bad
// target cannot disturb the others; a packet the kernel refuses (a
// broadcast address, no route) is counted and the rest of its batch sent.
type sock struct {
	c   *net.UDPConn
	rc  syscall.RawConn
	is6 bool // an AF_INET6 socket
	v4  bool // it reaches IPv4 targets

	// sendmmsg is the system call; tests replace it to fake the kernel's
	// refusals.
	sendmmsg func(fd uintptr, h []unix.Mmsghdr) (int, unix.Errno)
}

// sysBatch is a batch's sendmmsg arrays: hdrs[i] points at iov[i] and
// names[i], iov[i] at the batch's packet i (bound once, on the first
// send: a batch never moves). ctl is the RawConn callback, made once so a
// send allocates nothing; end is the number of packets it sends.
type sysBatch struct {
	hdrs  [sendBatch]unix.Mmsghdr
	iov   [sendBatch]unix.Iovec
	names [sendBatch]unix.RawSockaddrInet6
	ctl   func(fd uintptr)
	end   int
}

// openSock binds the socket to local (zero address: any); broadcast sets
// SO_BROADCAST (Go sets it on every UDP socket; it is cleared otherwise).
func openSock(local netip.AddrPort, broadcast bool) (*sock, error) {
	c, err := net.ListenUDP(network(local.Addr()), net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, fmt.Errorf("fork: socket: %w", err)
	}
	s := &sock{c: c, sendmmsg: sendmmsg}
	if err := s.init(broadcast); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("fork: socket: %w", err)
	}
	return s, nil
}

// init sets SO_BROADCAST and learns the socket's family.
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

// send sends the first n packets of b, setting each slot's err.
func (s *sock) send(b *batch, n int) {
	x := &b.sys
	if x.ctl == nil {
		s.bind(b)
	}
	for i := range n {
		x.hdrs[i].Hdr.Namelen = s.name(&x.names[i], b.slot[i].to)
		x.iov[i].SetLen(b.slot[i].len)
	}
	x.end = n
	if err := s.rc.Control(x.ctl); err != nil { // the socket is closed
		for i := range n {
			b.slot[i].err = err
		}
	}
}

// bind points b's system call arrays at its packets, once.
func (s *sock) bind(b *batch) {
	x := &b.sys
	for i := range x.hdrs {
		x.iov[i].Base = &b.pkt[i][0]
		h := &x.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&x.names[i]))
		h.Iov = &x.iov[i]
		h.SetIovlen(1)
	}
	x.ctl = func(fd uintptr) { s.sendAll(fd, b) }
}

// sendAll is the RawConn callback: sendmmsg until every packet of b is
// sent or refused, never waiting for the socket to become writable.
// sendmmsg stops at a packet the kernel refuses, returning the count sent
// before it (or the error, if it is the first): that packet is counted
// failed and the rest sent again. A full socket buffer (EAGAIN, ENOBUFS)
// fails the rest of the batch at once: it is shared by every target.
func (s *sock) sendAll(fd uintptr, b *batch) {
	x := &b.sys
	for off := 0; off < x.end; {
		k, errno := s.sendmmsg(fd, x.hdrs[off:x.end])
		switch {
		case errno == unix.EINTR:
		case errno == unix.EAGAIN || errno == unix.ENOBUFS:
			for ; off < x.end; off++ {
				b.slot[off].err = errno
			}
		case errno != 0:
			b.slot[off].err = errno
			off++
		case k <= 0 || k > x.end-off: // never seen: do not loop on it
			b.slot[off].err = errShort
			off++
		default:
			off += k
		}
	}
}

// sendmmsg is the system call on h, non-blocking.
func sendmmsg(fd uintptr, h []unix.Mmsghdr) (int, unix.Errno) {
	n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&h[0])),
		uintptr(len(h)), unix.MSG_DONTWAIT, 0, 0)
	return int(n), e
}

// name writes the socket address of to into sa and returns its length: a
// sockaddr_in on an IPv4 socket, else a sockaddr_in6 (IPv4 targets
// mapped). A target of a family the socket cannot reach (Start refuses
// those) gets a sockaddr_in6, which the kernel refuses.
func (s *sock) name(sa *unix.RawSockaddrInet6, to netip.AddrPort) uint32 {
	a := to.Addr()
	if a.Is4() && !s.is6 {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.As4()}
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa4.Port))[:], to.Port())
		return unix.SizeofSockaddrInet4
	}
	*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16()}
	binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:], to.Port())
	return unix.SizeofSockaddrInet6
}

// local returns the address the socket is bound to.
func (s *sock) local() netip.AddrPort {
	return s.c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// close closes the socket.
func (s *sock) close() error { return s.c.Close() }
