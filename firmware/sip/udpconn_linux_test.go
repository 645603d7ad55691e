//go:build linux

package sip

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestQuietUDP: the raw-call socket reads and writes datagrams with their
// addresses like net.UDPConn, on an IPv4 and a dual-stack socket, honours
// deadlines, and reports a closed socket as net.ErrClosed.
func TestQuietUDP(t *testing.T) {
	for _, tc := range []struct{ listen, peer string }{
		{"127.0.0.1:0", "127.0.0.1"},
		{"[::1]:0", "::1"},
		{"[::]:0", "127.0.0.1"}, // dual stack: an IPv4 peer is v4-mapped
	} {
		t.Run(tc.listen, func(t *testing.T) {
			pc, err := net.ListenPacket("udp", tc.listen)
			if err != nil {
				t.Fatal(err)
			}
			q := quietPacketConn(pc)
			if _, ok := q.(*quietUDP); !ok {
				t.Fatalf("not wrapped: %T", q)
			}
			defer q.Close()
			port := q.LocalAddr().(*net.UDPAddr).Port
			peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(tc.peer)})
			if err != nil {
				t.Fatal(err)
			}
			defer peer.Close()
			to := &net.UDPAddr{IP: net.ParseIP(tc.peer), Port: port}
			if _, err := peer.WriteTo([]byte("hello"), to); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			n, from, err := q.ReadFrom(buf)
			if err != nil || string(buf[:n]) != "hello" {
				t.Fatalf("read %q %v", buf[:n], err)
			}
			fa := from.(*net.UDPAddr)
			if !fa.IP.Equal(net.ParseIP(tc.peer)) || fa.Port != peer.LocalAddr().(*net.UDPAddr).Port {
				t.Fatalf("from %v, want %v", from, peer.LocalAddr())
			}
			if n, err := q.WriteTo([]byte("back"), from); n != 4 || err != nil {
				t.Fatalf("write %d %v", n, err)
			}
			peer.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, _, err = peer.ReadFrom(buf)
			if err != nil || string(buf[:n]) != "back" {
				t.Fatalf("peer read %q %v", buf[:n], err)
			}
			q.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			if _, _, err := q.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("deadline: %v", err)
			}
			q.SetReadDeadline(time.Time{})
			done := make(chan error, 1)
			go func() { _, _, err := q.ReadFrom(buf); done <- err }()
			q.Close()
			if err := <-done; !errors.Is(err, net.ErrClosed) {
				t.Fatalf("read after close: %v", err)
			}
		})
	}
}

// TestQuietUDPWrongFamily: an IPv6 destination on an IPv4 socket is an
// error that names the operation, as with net.UDPConn.
func TestQuietUDPWrongFamily(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	q := quietPacketConn(pc)
	defer q.Close()
	_, err = q.WriteTo([]byte("x"), &net.UDPAddr{IP: net.ParseIP("2001:db8::1"), Port: 5060})
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "write" {
		t.Fatalf("err %v", err)
	}
}
