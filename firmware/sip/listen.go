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

	"github.com/ivrbox/ivrbox/firmware/netlimit"
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
	return s.bound(l, conf, "TLS"), nil
}

// bound wraps a TCP listener (TLS with conf) in the connection limits and
// the framing of its streams.
func (s *Server) bound(l net.Listener, conf *tls.Config, transport string) net.Listener {
	s.slotsOnce.Do(func() {
		n := s.opts.MaxConns
		if n <= 0 {
			n = DefaultMaxConns
		}
		per := s.opts.MaxConnsPerAddr
		if per <= 0 {
			per = max(n/8, 4)
		}
		s.conns = netlimit.New(n, per)
	})
	idle := s.opts.IdleTimeout
	if idle == 0 {
		idle = DefaultIdleTimeout
	}
	hs := s.opts.HandshakeTimeout
	if hs <= 0 {
		hs = DefaultHandshakeTimeout
	}
	first := s.opts.FirstMessageTimeout
	if first <= 0 {
		first = DefaultFirstMessageTimeout
	}
	if idle > 0 && idle < first {
		first = idle
	}
	return &boundedListener{Listener: l, tls: conf, conns: s.conns, idle: idle, handshake: hs, first: first,
		srv: s, transport: transport, done: make(chan struct{})}
}

// boundedListener caps the connections a TCP or TLS listener holds (shared
// slots, in total and per address; one over a cap is closed at once),
// closes connections silent before their first message for longer than
// first or idle for longer than idle, gives a TLS handshake at most
// handshake to finish, and frames each connection's stream. An accept
// error (no file descriptor left) pauses it, never stops it.
type boundedListener struct {
	net.Listener
	tls       *tls.Config // nil: plain TCP
	conns     *netlimit.Limits
	idle      time.Duration
	handshake time.Duration
	first     time.Duration
	srv       *Server
	transport string
	once      sync.Once
	done      chan struct{}
}

// Accept returns the next connection within the limits.
func (l *boundedListener) Accept() (net.Conn, error) {
	for {
		c, err := netlimit.Accept(l.Listener, l.done, l.srv.acceptFailed)
		if err != nil {
			return nil, err
		}
		release, ok := l.conns.Take(c.RemoteAddr())
		if !ok {
			l.srv.refused(c.RemoteAddr())
			c.Close()
			continue
		}
		bc := &boundedConn{Conn: c, idle: l.idle, handshake: l.handshake, first: l.first, release: release}
		if l.tls != nil {
			// The slot is freed before the socket closes, however it
			// closes: tls closes it itself when a handshake times out.
			bc.Conn = tls.Server(slotConn{Conn: c, free: release}, l.tls)
			bc.tls = true
		}
		bc.frame = l.srv.newFramer(bc.Conn, l.transport)
		return bc, nil
	}
}

// Close closes the listener, ending a pause after an accept error.
func (l *boundedListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// boundedConn is one accepted connection: its slot is released on Close,
// the first message must come within first, each later Read waits at most
// idle, a TLS handshake at most handshake; what it reads is framed.
type boundedConn struct {
	net.Conn
	idle, handshake, first time.Duration
	tls                    bool
	shook                  bool // the handshake is done; Read's goroutine only
	got                    bool // a message came; Read's goroutine only
	frame                  *framer
	release                func()
}

// Read returns the next framed bytes, shaking hands first over TLS.
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
	n, err := c.frame.read(p, c.readRaw)
	if n > 0 {
		c.got = true
	}
	return n, err
}

// readRaw reads the socket with the deadline of the connection's state.
func (c *boundedConn) readRaw(p []byte) (int, error) {
	d := c.idle
	if !c.got {
		d = c.first
	}
	if d > 0 {
		if err := c.Conn.SetReadDeadline(time.Now().Add(d)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(p)
}

// Close frees the connection's slot and closes it; idempotent.
func (c *boundedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

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
	s.log.Warn("connections refused: too many connections", "remote", remote.String(), "refused", n,
		"max", s.conns.Total(), "max_per_address", s.conns.PerAddr())
}

// acceptFailed logs an accept error (out of file descriptors) at most once
// a second; the listener pauses and goes on.
func (s *Server) acceptFailed(err error) {
	now := time.Now().UnixNano()
	last := s.acceptErrAt.Load()
	if now-last < int64(time.Second) || !s.acceptErrAt.CompareAndSwap(last, now) {
		return
	}
	s.log.Error("accept failed; pausing the listener", "error", err, "connections", s.conns.Used())
}

// localAddr finds our address as the peer at src reaches it: the bound IP
// if there is one, else the local end of the caller's TCP connection, else
// the source address the kernel would use to reach src over UDP.
func (s *Server) localAddr(transport string, src netip.AddrPort) netip.AddrPort {
	bound := s.Addr()
	port := bound.Port()
	if transport == "TLS" {
		port = s.TLSAddr().Port()
	}
	if ip, ok := s.advertised(src); ok {
		return netip.AddrPortFrom(ip, port)
	}
	if ip := bound.Addr().Unmap(); ip.IsValid() && !ip.IsUnspecified() {
		return netip.AddrPortFrom(ip, port)
	}
	if !src.IsValid() {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), port)
	}
	if transport != "UDP" {
		if conn, err := s.ua.TransportLayer().GetConnection(transport, src.String()); err == nil {
			defer conn.TryClose() // GetConnection took a reference
			if a, ok := conn.LocalAddr().(*net.TCPAddr); ok {
				return netip.AddrPortFrom(a.AddrPort().Addr().Unmap(), port)
			}
		}
	}
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(src)) // a route lookup; sends nothing
	if err != nil {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), port)
	}
	defer c.Close()
	return netip.AddrPortFrom(c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), port)
}
