//go:build linux

package sip

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"syscall"
	"unsafe"
)

// quietUDP is the SIP UDP socket with its datagrams read and written by raw
// system calls (syscall.RawSyscall6) where net.UDPConn makes ordinary ones;
// waiting for the socket is still the runtime's network poller (RawConn).
// The socket is non-blocking, so a raw call never holds up its thread. An
// ordinary system call on a box that was idle a moment before wakes the
// runtime's monitor thread, which then polls every 20 µs for a millisecond
// or more: at a few hundred calls a second that monitor alone took a sixth
// of the box's CPU, woken mostly by SIP packets.
type quietUDP struct {
	*net.UDPConn
	raw syscall.RawConn
	v6  bool // an AF_INET6 socket: IPv4 peers are v4-mapped

	// beforeRead, if set, runs before each read reuses the caller's buffer.
	beforeRead func()

	rmu   sync.Mutex // one reader at a time; guards the read state
	rbuf  []byte
	rn    int
	rerr  syscall.Errno
	rsa   syscall.RawSockaddrAny
	rlen  uint32
	readf func(uintptr) bool

	wmu    sync.Mutex // one writer at a time; guards the write state
	wbuf   []byte
	wn     int
	werr   syscall.Errno
	wsa4   syscall.RawSockaddrInet4
	wsa6   syscall.RawSockaddrInet6
	wsa    unsafe.Pointer
	wlen   uintptr
	writef func(uintptr) bool
}

// quietPacketConn wraps c when it is a UDP socket whose family it can
// tell; otherwise it returns c as it is.
func quietPacketConn(c net.PacketConn) net.PacketConn {
	u, ok := c.(*net.UDPConn)
	if !ok {
		return c
	}
	raw, err := u.SyscallConn()
	if err != nil {
		return c
	}
	family := -1
	_ = raw.Control(func(fd uintptr) {
		if sa, err := syscall.Getsockname(int(fd)); err == nil {
			switch sa.(type) {
			case *syscall.SockaddrInet4:
				family = syscall.AF_INET
			case *syscall.SockaddrInet6:
				family = syscall.AF_INET6
			}
		}
	})
	if family < 0 {
		return c
	}
	q := &quietUDP{UDPConn: u, raw: raw, v6: family == syscall.AF_INET6}
	q.readf, q.writef = q.recv, q.send
	return q
}

// recv is the raw read: false (wait) while no datagram is waiting.
func (q *quietUDP) recv(fd uintptr) bool {
	q.rlen = uint32(unsafe.Sizeof(q.rsa))
	n, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd,
		uintptr(unsafe.Pointer(&q.rbuf[0])), uintptr(len(q.rbuf)), 0,
		uintptr(unsafe.Pointer(&q.rsa)), uintptr(unsafe.Pointer(&q.rlen)))
	if errno == syscall.EAGAIN || errno == syscall.EINTR {
		return false
	}
	q.rn, q.rerr = int(n), errno
	return true
}

// ReadFrom reads the next datagram, like net.UDPConn's.
func (q *quietUDP) ReadFrom(b []byte) (int, net.Addr, error) {
	if len(b) == 0 {
		return q.UDPConn.ReadFrom(b)
	}
	if q.beforeRead != nil {
		q.beforeRead()
	}
	q.rmu.Lock()
	defer q.rmu.Unlock()
	q.rbuf, q.rn, q.rerr = b, 0, 0
	err := q.raw.Read(q.readf)
	q.rbuf = nil
	if err != nil {
		return 0, nil, err
	}
	if q.rerr != 0 {
		return 0, nil, &net.OpError{Op: "read", Net: "udp", Source: q.LocalAddr(), Err: q.rerr}
	}
	return q.rn, q.source(), nil
}

// source converts the raw address of the datagram just read.
func (q *quietUDP) source() *net.UDPAddr {
	switch q.rsa.Addr.Family {
	case syscall.AF_INET:
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&q.rsa))
		ip := make(net.IP, net.IPv4len)
		copy(ip, sa.Addr[:])
		return &net.UDPAddr{IP: ip, Port: netPort(sa.Port)}
	case syscall.AF_INET6:
		sa := (*syscall.RawSockaddrInet6)(unsafe.Pointer(&q.rsa))
		ip := make(net.IP, net.IPv6len)
		copy(ip, sa.Addr[:])
		return &net.UDPAddr{IP: ip, Port: netPort(sa.Port), Zone: zoneName(sa.Scope_id)}
	}
	return &net.UDPAddr{}
}

// netPort converts a port in network byte order as the kernel stores it.
func netPort(p uint16) int {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return int(b[0])<<8 | int(b[1])
}

// zoneName names an IPv6 scope (link-local peers only).
func zoneName(id uint32) string {
	if id == 0 {
		return ""
	}
	if ifi, err := net.InterfaceByIndex(int(id)); err == nil {
		return ifi.Name
	}
	return strconv.FormatUint(uint64(id), 10)
}

// send is the raw write: false (wait) while the socket's buffer is full.
func (q *quietUDP) send(fd uintptr) bool {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, fd,
		uintptr(unsafe.Pointer(&q.wbuf[0])), uintptr(len(q.wbuf)), 0,
		uintptr(q.wsa), q.wlen)
	if errno == syscall.EAGAIN || errno == syscall.EINTR {
		return false
	}
	q.wn, q.werr = int(n), errno
	return true
}

// WriteTo sends b to addr, like net.UDPConn's.
func (q *quietUDP) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok || len(b) == 0 || ua.Zone != "" || ua.IP == nil {
		return q.UDPConn.WriteTo(b, addr)
	}
	q.wmu.Lock()
	defer q.wmu.Unlock()
	if err := q.setDest(ua); err != nil {
		return 0, &net.OpError{Op: "write", Net: "udp", Source: q.LocalAddr(), Addr: addr, Err: err}
	}
	q.wbuf, q.wn, q.werr = b, 0, 0
	err := q.raw.Write(q.writef)
	q.wbuf = nil
	if err != nil {
		return 0, err
	}
	if q.werr != 0 {
		return 0, &net.OpError{Op: "write", Net: "udp", Source: q.LocalAddr(), Addr: addr, Err: q.werr}
	}
	return q.wn, nil
}

// setDest puts ua in the write state's socket address.
func (q *quietUDP) setDest(ua *net.UDPAddr) error {
	if ua.Port < 0 || ua.Port > 0xffff {
		return fmt.Errorf("port %d out of range", ua.Port)
	}
	port := [2]byte{byte(ua.Port >> 8), byte(ua.Port)}
	if !q.v6 {
		ip4 := ua.IP.To4()
		if ip4 == nil {
			return syscall.EAFNOSUPPORT
		}
		q.wsa4 = syscall.RawSockaddrInet4{Family: syscall.AF_INET}
		copy(q.wsa4.Addr[:], ip4)
		*(*[2]byte)(unsafe.Pointer(&q.wsa4.Port)) = port
		q.wsa, q.wlen = unsafe.Pointer(&q.wsa4), unsafe.Sizeof(q.wsa4)
		return nil
	}
	ip16 := ua.IP.To16()
	if ip16 == nil {
		return syscall.EAFNOSUPPORT
	}
	q.wsa6 = syscall.RawSockaddrInet6{Family: syscall.AF_INET6}
	copy(q.wsa6.Addr[:], ip16)
	*(*[2]byte)(unsafe.Pointer(&q.wsa6.Port)) = port
	q.wsa, q.wlen = unsafe.Pointer(&q.wsa6), unsafe.Sizeof(q.wsa6)
	return nil
}

// beforeRead sets f to run before each read of c, when c is a quietUDP,
// and reports whether it is.
func beforeRead(c net.PacketConn, f func()) bool {
	q, ok := c.(*quietUDP)
	if ok {
		q.beforeRead = f
	}
	return ok
}
