//go:build !linux

package fork

import (
	"fmt"
	"net"
	"net/netip"
	"time"
)

// writeWait bounds how long the sends of one tick may wait for socket
// buffer space in all.
const writeWait = time.Millisecond

// sock is the portable forker socket: an unconnected net.UDPConn whose
// write deadline is set just ahead at the start of every tick, so a full
// socket buffer costs at most writeWait per tick (later sends of that tick
// fail and are counted). Linux uses non-blocking batched system calls
// instead.
type sock struct {
	c   *net.UDPConn
	is6 bool
	v4  bool
}

// openSock binds the socket to local (zero address: any). The socket
// keeps Go's default SO_BROADCAST (on) whatever broadcast says.
func openSock(local netip.AddrPort, broadcast bool) (*sock, error) {
	c, err := net.ListenUDP(network(local.Addr()), net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, fmt.Errorf("fork: socket: %w", err)
	}
	s := &sock{c: c}
	la := s.local().Addr()
	switch {
	case la.Is4():
		s.v4 = true
	case local.Addr().Is6():
		s.is6 = true
	default: // a wildcard dual-stack socket
		s.is6, s.v4 = true, true
	}
	return s, nil
}

// reaches reports whether the socket can send to a.
func (s *sock) reaches(a netip.Addr) bool {
	if a.Is4() {
		return s.v4
	}
	return s.is6
}

// begin sets the write deadline of a tick's sends.
func (s *sock) begin() { _ = s.c.SetWriteDeadline(time.Now().Add(writeWait)) }

// sysBatch is empty: a batch goes out one packet at a time.
type sysBatch struct{}

// send sends the first n packets of b one by one, waiting at most until
// the tick's deadline, and sets each slot's err.
func (s *sock) send(b *batch, n int) {
	for i := range n {
		sl := &b.slot[i]
		if !s.reaches(sl.to.Addr()) {
			sl.err = errFamily
			continue
		}
		_, sl.err = s.c.WriteToUDPAddrPort(b.pkt[i][:sl.len], sl.to)
	}
}

// local returns the address the socket is bound to.
func (s *sock) local() netip.AddrPort {
	return s.c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// close closes the socket.
func (s *sock) close() error { return s.c.Close() }
