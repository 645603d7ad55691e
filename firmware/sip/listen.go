package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// The listeners: UDP and TCP on one port, TLS on its own, and the bounds
// of the TCP and TLS ones (connection slots, idle time, handshake time).

// TLSAddr returns the TLS listener's address (valid after Ready, when
// Options.TLSAddr is set).
func (s *Server) TLSAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tlsAddr
}

// listen opens UDP and TCP on the same address; with port 0 it retries until
// both get the same free port.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	for attempt := 0; ; attempt++ {
		udp, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("sip: listen udp %s: %w", addr, err)
		}
		host, _, _ := net.SplitHostPort(addr)
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		_, p, _ := net.SplitHostPort(addr)
		if p != "0" || !errors.Is(err, syscall.EADDRINUSE) || attempt == 20 {
			return nil, nil, fmt.Errorf("sip: listen tcp %s: %w", addr, err)
		}
	}
}

// listenTLS opens the TLS listener of Options.TLSAddr; nil without one.
func (s *Server) listenTLS() (net.Listener, error) {
	if s.opts.TLSAddr == "" || s.opts.TLS == nil {
		return nil, nil
	}
	l, err := net.Listen("tcp", s.opts.TLSAddr)
	if err != nil {
		return nil, fmt.Errorf("sip: listen tls %s: %w", s.opts.TLSAddr, err)
	}
	conf := s.opts.TLS.Clone()
	if conf.MinVersion == 0 {
		conf.MinVersion = tls.VersionTLS12
	}
	conf.NextProtos = nil // SIP, not HTTP: no ALPN
	return s.bound(l, conf), nil
}

// bound wraps a TCP listener (TLS with conf) in the connection limits.
func (s *Server) bound(l net.Listener, conf *tls.Config) net.Listener {
	s.slotsOnce.Do(func() {
		n := s.opts.MaxConns
		if n <= 0 {
			n = DefaultMaxConns
		}
		s.slots = make(chan struct{}, n)
	})
	idle := s.opts.IdleTimeout
	if idle == 0 {
		idle = DefaultIdleTimeout
	}
	hs := s.opts.HandshakeTimeout
	if hs <= 0 {
		hs = DefaultHandshakeTimeout
	}
	return &boundedListener{Listener: l, tls: conf, slots: s.slots, idle: idle, handshake: hs,
		onRefuse: s.refused}
}

// boundedListener caps the connections a TCP or TLS listener holds (shared
// slots; one over the limit is closed at once), closes connections idle for
// longer than idle, and gives a TLS handshake at most handshake to finish.
type boundedListener struct {
	net.Listener
	tls       *tls.Config // nil: plain TCP
	slots     chan struct{}
	idle      time.Duration
	handshake time.Duration
	onRefuse  func(remote net.Addr)
}

// Accept returns the next connection within the limit.
func (l *boundedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
		default:
			if l.onRefuse != nil {
				l.onRefuse(c.RemoteAddr())
			}
			c.Close()
			continue
		}
		bc := &boundedConn{Conn: c, idle: l.idle, handshake: l.handshake, release: func() { <-l.slots }}
		if l.tls != nil {
			// The slot is freed before the socket closes, however it
			// closes: tls closes it itself when a handshake times out.
			bc.Conn = tls.Server(slotConn{Conn: c, free: bc.free}, l.tls)
			bc.tls = true
		}
		return bc, nil
	}
}

// boundedConn is one accepted connection: its slot is released on Close,
// each Read waits at most idle, a TLS handshake at most handshake.
type boundedConn struct {
	net.Conn
	idle, handshake time.Duration
	tls             bool
	shook           bool // the handshake is done; Read's goroutine only
	release         func()
	once            sync.Once
}

// Read reads with the idle deadline, shaking hands first over TLS.
func (c *boundedConn) Read(p []byte) (int, error) {
	if c.tls && !c.shook {
		ctx, cancel := context.WithTimeout(context.Background(), c.handshake)
		err := c.Conn.(*tls.Conn).HandshakeContext(ctx)
		cancel()
		if err != nil {
			return 0, fmt.Errorf("sip: TLS handshake from %s: %w", c.RemoteAddr(), err)
		}
		c.shook = true
	}
	if c.idle > 0 {
		if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(p)
}

// Close frees the connection's slot and closes it; idempotent.
func (c *boundedConn) Close() error {
	c.free()
	return c.Conn.Close()
}

// free releases the connection's slot, once.
func (c *boundedConn) free() { c.once.Do(c.release) }

// slotConn is the socket under a TLS connection: closing it frees the
// connection's slot first, so a client that sees the close finds the slot
// free.
type slotConn struct {
	net.Conn
	free func()
}

// Close frees the slot, then closes the socket.
func (c slotConn) Close() error {
	c.free()
	return c.Conn.Close()
}

// refused logs a connection closed for want of a slot, at most once a
// second (with the count since the last line), so a flood does not flood
// the log.
func (s *Server) refused(remote net.Addr) {
	n := s.refusedN.Add(1)
	now := time.Now().UnixNano()
	last := s.refusedAt.Load()
	if now-last < int64(time.Second) || !s.refusedAt.CompareAndSwap(last, now) {
		return
	}
	s.refusedN.Add(-n)
	s.log.Warn("connections refused: too many connections", "remote", remote.String(), "refused", n, "max", cap(s.slots))
}
