//go:build !linux || 386 || portablerecv

package stream

import (
	"net"
	"net/netip"
	"time"
)

// pollWait is how long a read waits for a datagram. Go checks a deadline
// before it tries the socket, so an expired one would never read; a short
// future one reads what is queued at once and waits pollWait only when the
// socket is empty, once per drain.
const pollWait = 50 * time.Microsecond

// sock is the portable UDP socket: a net.UDPConn read with a read deadline
// just ahead. It costs one short wait per socket per tick, which is fine on
// a development machine but not for thousands of calls; Linux uses raw
// non-blocking sockets instead.
type sock struct {
	c *net.UDPConn
}

// openSock binds a UDP socket to local ("udp4" or "udp6").
func openSock(network string, local netip.AddrPort) (*sock, error) {
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, err
	}
	return &sock{c: c}, nil
}

// read returns the next waiting datagram (read into buf) and its source;
// trunc reports one that filled buf (it may have been cut); ok is false when
// none is waiting or the socket is closed.
func (s *sock) read(buf []byte) (b []byte, trunc bool, from netip.AddrPort, ok bool) {
	if err := s.c.SetReadDeadline(time.Now().Add(pollWait)); err != nil {
		return nil, false, netip.AddrPort{}, false
	}
	n, from, err := s.c.ReadFromUDPAddrPort(buf)
	if err != nil {
		return nil, false, netip.AddrPort{}, false
	}
	return buf[:n], n >= len(buf), netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), true
}

// writeTo sends b to dst.
func (s *sock) writeTo(b []byte, dst netip.AddrPort) error {
	_, err := s.c.WriteToUDPAddrPort(b, dst)
	return err
}

// close closes the socket.
func (s *sock) close() error { return s.c.Close() }
