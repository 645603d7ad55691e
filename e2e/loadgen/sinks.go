package main

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
)

// eventSink is the app server the box's outbox delivers PBX API events to:
// it answers every POST with 200 at once and counts them.
type eventSink struct {
	srv  *http.Server
	ln   net.Listener
	n    atomic.Int64 // events received
	done chan struct{}
}

func startEventSink() (*eventSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &eventSink{ln: ln, done: make(chan struct{})}
	s.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
			s.n.Add(1)
			w.WriteHeader(http.StatusOK)
		})}
	go func() { defer close(s.done); _ = s.srv.Serve(ln) }()
	return s, nil
}

// url is where the box POSTs events; "" for a nil sink.
func (s *eventSink) url() string {
	if s == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String() + "/events"
}

// count is the number of events received; 0 for a nil sink.
func (s *eventSink) count() int64 {
	if s == nil {
		return 0
	}
	return s.n.Load()
}

// close stops the server and waits for it.
func (s *eventSink) close() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		_ = s.srv.Close()
	}
	<-s.done
}

// forkSink is the UDP target of every media fork: one socket that counts
// the RTP packets it receives, in all and per target. A socket has one
// port, so the targets (both directions of every fork) are told apart by
// their SSRC: the box gives each target its own.
type forkSink struct {
	conn   *net.UDPConn
	total  atomic.Int64
	mu     sync.Mutex       // guards bySSRC
	bySSRC map[uint32]int64 // packets per SSRC (per target)
	done   chan struct{}
}

func startForkSink() (*forkSink, error) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	_ = c.SetReadBuffer(16 << 20)
	s := &forkSink{conn: c, bySSRC: map[uint32]int64{}, done: make(chan struct{})}
	go s.read()
	return s, nil
}

// addr is the sink's host:port.
func (s *forkSink) addr() string { return s.conn.LocalAddr().String() }

// read counts packets with recvmmsg batches until the socket closes.
func (s *forkSink) read() {
	defer close(s.done)
	pc := ipv4.NewPacketConn(s.conn)
	msgs := make([]ipv4.Message, 64)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, 1500)}
	}
	for {
		n, err := pc.ReadBatch(msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.total.Add(int64(n))
		s.mu.Lock()
		for _, m := range msgs[:n] {
			if m.N >= 12 {
				s.bySSRC[binary.BigEndian.Uint32(m.Buffers[0][8:12])]++
			}
		}
		s.mu.Unlock()
	}
}

// perTarget returns the packet count of every target seen, sorted.
func (s *forkSink) perTarget() []int64 {
	s.mu.Lock()
	out := make([]int64, 0, len(s.bySSRC))
	for _, n := range s.bySSRC {
		out = append(out, n)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// close stops the reader and waits for it.
func (s *forkSink) close() {
	_ = s.conn.Close()
	<-s.done
}
