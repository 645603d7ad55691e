//go:build linux && !386 && !portablerecv

package stream

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// poller is a shard's epoll instance: the RTP sockets of its streams are
// registered on it (level-triggered, EPOLLIN), each with a key the shard
// maps to the stream, and the shard waits on it for the first socket to
// become readable or the next frame to be due. An eventfd in the same set
// wakes the wait when the shard must stop.
//
// add and remove may be called from any goroutine (the kernel serialises
// them with a wait under way); wait is called by the shard goroutine only;
// close, once that goroutine has stopped.
type poller struct {
	ep     int // the epoll instance
	events [pollBatch]unix.EpollEvent

	mu     sync.Mutex // serialises wake with close
	wakeFD int        // the eventfd; -1 once closed; guarded by mu
}

// newPoller makes an epoll instance with its wake-up eventfd registered.
func newPoller() (*poller, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	wfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		_ = unix.Close(ep)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	p := &poller{ep: ep, wakeFD: wfd}
	if err := p.ctl(unix.EPOLL_CTL_ADD, wfd, wakeKey); err != nil {
		_ = unix.Close(wfd)
		_ = unix.Close(ep)
		return nil, fmt.Errorf("epoll_ctl eventfd: %w", err)
	}
	return p, nil
}

// ctl adds (or removes) fd with key as its event data.
func (p *poller) ctl(op, fd int, key uint64) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(uint32(key)), Pad: int32(uint32(key >> 32))}
	return unix.EpollCtl(p.ep, op, fd, &ev)
}

// add registers so: wait reports key while it has a datagram waiting. The
// caller makes sure so stays open until remove has returned.
func (p *poller) add(so *sock, key uint64) error {
	if err := p.ctl(unix.EPOLL_CTL_ADD, so.fd, key); err != nil {
		return fmt.Errorf("epoll_ctl add: %w", err)
	}
	return nil
}

// remove unregisters so; it is called before so is closed.
func (p *poller) remove(so *sock) error {
	if err := p.ctl(unix.EPOLL_CTL_DEL, so.fd, 0); err != nil {
		return fmt.Errorf("epoll_ctl del: %w", err)
	}
	return nil
}

// wait waits up to timeout (none if it is not positive; rounded up to the
// millisecond) for registered sockets to be readable, puts their keys in
// keys and returns their number; the wake-up's key is wakeKey. An
// interrupted wait returns 0 and no error.
func (p *poller) wait(timeout time.Duration, keys []uint64) (int, error) {
	ms := 0
	if timeout > 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	n, err := unix.EpollWait(p.ep, p.events[:min(len(keys), len(p.events))], ms)
	switch err {
	case nil:
	case unix.EINTR:
		return 0, nil
	default:
		return 0, fmt.Errorf("epoll_wait: %w", err)
	}
	for i, ev := range p.events[:n] {
		keys[i] = uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
	}
	return n, nil
}

// wake makes the eventfd readable, so that a wait under way (and every
// later one) returns at once. It may be called from any goroutine, also
// after close.
func (p *poller) wake() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wakeFD < 0 {
		return
	}
	one := [8]byte{1}
	_, _ = unix.Write(p.wakeFD, one[:])
}

// close closes the eventfd and the epoll instance (which forgets every
// socket still registered). It is idempotent.
func (p *poller) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wakeFD < 0 {
		return nil
	}
	err := unix.Close(p.wakeFD)
	if e := unix.Close(p.ep); err == nil {
		err = e
	}
	p.wakeFD, p.ep = -1, -1
	return err
}
