//go:build linux && !386 && !portablerecv

package stream

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// poller is a shard's epoll instance: the RTP sockets of its streams are
// registered on it (level-triggered, EPOLLIN), each with a key the shard
// maps to the stream, and the shard waits on it for the first socket to
// become readable or the next frame to be due. An eventfd in the same set
// wakes the wait when the shard must stop.
//
// The epoll instance is itself non-blocking and handed to the Go runtime's
// network poller (an epoll set is readable while one of its sockets is), so
// a shard waiting for packets parks its goroutine like any network read and
// holds no thread in a system call: a thread blocked in epoll_wait made the
// runtime's monitor take its processor back, start other threads and poll
// every 20 µs, which cost more CPU than the media.
//
// add and remove may be called from any goroutine (the kernel serialises
// them with a wait under way); wait is called by the shard goroutine only;
// close, once that goroutine has stopped.
type poller struct {
	ep     int             // the epoll instance
	file   *os.File        // ep, registered with the runtime's poller
	raw    syscall.RawConn // file's raw access, for waiting on readiness
	events [pollBatch]unix.EpollEvent
	max    int   // events the next readiness check may take
	n      int   // events the last readiness check found
	err    error // its error
	check  func(uintptr) bool

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
	if err := p.attach(); err != nil {
		_ = p.close()
		return nil, err
	}
	p.check = p.checkReady
	return p, nil
}

// attach hands the epoll instance to the runtime's poller.
func (p *poller) attach() error {
	if err := unix.SetNonblock(p.ep, true); err != nil {
		return fmt.Errorf("epoll nonblock: %w", err)
	}
	p.file = os.NewFile(uintptr(p.ep), "rtp-epoll")
	raw, err := p.file.SyscallConn()
	if err != nil {
		return fmt.Errorf("epoll raw conn: %w", err)
	}
	p.raw = raw
	// A file the runtime cannot poll refuses deadlines: then waits would
	// block a thread again, which is what this is for.
	if err := p.file.SetReadDeadline(time.Time{}); err != nil {
		return fmt.Errorf("epoll not pollable: %w", err)
	}
	return nil
}

// checkReady is the raw read of wait: it takes the ready events without
// blocking and reports whether to stop waiting.
func (p *poller) checkReady(uintptr) bool {
	// A raw call: with no timeout the wait never blocks, and an ordinary
	// call would wake the runtime's monitor (see sock).
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.ep),
		uintptr(unsafe.Pointer(&p.events[0])), uintptr(p.max), 0, 0, 0)
	switch errno {
	case 0:
		p.n = int(n)
	case unix.EINTR:
	default:
		p.err = errno
	}
	return p.n > 0 || p.err != nil
}

// ctl adds (or removes) fd with key as its event data. It is a raw call
// (it never blocks; see sock).
func (p *poller) ctl(op, fd int, key uint64) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(uint32(key)), Pad: int32(uint32(key >> 32))}
	_, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(p.ep), uintptr(op), uintptr(fd),
		uintptr(unsafe.Pointer(&ev)), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// add registers so: wait reports key while it has a datagram waiting. The
// caller makes sure so stays open until remove has returned.
func (p *poller) add(so *sock, key uint64) error {
	if err := p.ctl(unix.EPOLL_CTL_ADD, so.fd, key); err != nil {
		return fmt.Errorf("epoll_ctl add: %w", err)
	}
	return nil
}

// remove unregisters so; it is called before so is closed. (Closing alone
// would take so out of the set, but a socket with datagrams waiting would
// be reported, level-triggered, under a stale key until then: the shard
// would spin.)
func (p *poller) remove(so *sock) error {
	if err := p.ctl(unix.EPOLL_CTL_DEL, so.fd, 0); err != nil {
		return fmt.Errorf("epoll_ctl del: %w", err)
	}
	return nil
}

// wait waits up to timeout (none if it is not positive) for registered
// sockets to be readable, puts their keys in keys and returns their number;
// the wake-up's key is wakeKey.
func (p *poller) wait(timeout time.Duration, keys []uint64) (int, error) {
	p.n, p.err, p.max = 0, nil, min(len(keys), len(p.events))
	if !p.check(0) && timeout > 0 {
		if err := p.file.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return 0, fmt.Errorf("epoll deadline: %w", err)
		}
		if err := p.raw.Read(p.check); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, fmt.Errorf("epoll wait: %w", err)
		}
	}
	if p.err != nil {
		return 0, fmt.Errorf("epoll_wait: %w", p.err)
	}
	for i, ev := range p.events[:p.n] {
		keys[i] = uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
	}
	return p.n, nil
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
	closeEP := func() error { return unix.Close(p.ep) }
	if p.file != nil {
		closeEP = p.file.Close
	}
	if e := closeEP(); err == nil {
		err = e
	}
	p.wakeFD, p.ep = -1, -1
	return err
}
