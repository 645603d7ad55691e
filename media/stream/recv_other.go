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

// receiver is the portable reader: ReadFromUDPAddrPort with a read
// deadline just ahead. It costs one short wait per socket per tick, which
// is fine on a development machine but not for thousands of calls; Linux
// uses the raw non-blocking reader instead.
type receiver struct {
	c   *net.UDPConn
	buf []byte
}

func (r *receiver) init(c *net.UDPConn, buf []byte) error {
	r.c, r.buf = c, buf
	return nil
}

// read returns the next waiting datagram's length and source; ok is false
// when none is waiting or the socket is closed.
func (r *receiver) read() (n int, from netip.AddrPort, ok bool) {
	if err := r.c.SetReadDeadline(time.Now().Add(pollWait)); err != nil {
		return 0, netip.AddrPort{}, false
	}
	n, from, err := r.c.ReadFromUDPAddrPort(r.buf)
	if err != nil {
		return 0, netip.AddrPort{}, false
	}
	return n, netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), true
}
