package netlimit

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Backoff bounds of Accept after an error (as net/http's Serve).
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// Listener accepts connections within Limits: one over a cap is closed at
// once (OnRefuse is told), an accept error other than the listener's own
// close is reported to OnError and retried after a pause (5 ms doubling to
// 1 s) instead of being returned. Each connection it returns frees its slot
// when closed. Make one with Wrap.
type Listener struct {
	net.Listener
	Limits   *Limits
	OnRefuse func(remote net.Addr) // may be nil
	OnError  func(err error)       // may be nil; called before each pause

	once sync.Once
	done chan struct{}
}

// Wrap returns l bounded by lim; set OnRefuse and OnError before the
// first Accept.
func Wrap(l net.Listener, lim *Limits) *Listener {
	return &Listener{Listener: l, Limits: lim, done: make(chan struct{})}
}

// Accept returns the next connection within the limits.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := Accept(l.Listener, l.done, l.OnError)
		if err != nil {
			return nil, err
		}
		release, ok := l.Limits.Take(c.RemoteAddr())
		if !ok {
			if l.OnRefuse != nil {
				l.OnRefuse(c.RemoteAddr())
			}
			c.Close()
			continue
		}
		return &Conn{Conn: c, release: release}, nil
	}
}

// Close closes the listener (ending a pause in Accept at once).
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Accept accepts one connection from l, retrying every error but the
// listener's close with a growing pause; done ends a pause (and returns
// net.ErrClosed). onError, when not nil, hears of each error retried.
func Accept(l net.Listener, done <-chan struct{}, onError func(error)) (net.Conn, error) {
	var pause time.Duration
	for {
		c, err := l.Accept()
		if err == nil {
			return c, nil
		}
		if errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		if pause == 0 {
			pause = minBackoff
		} else {
			pause = min(2*pause, maxBackoff)
		}
		if onError != nil {
			onError(err)
		}
		t := time.NewTimer(pause)
		select {
		case <-done:
			t.Stop()
			return nil, net.ErrClosed
		case <-t.C:
		}
	}
}

// Conn is an accepted connection holding a slot until closed.
type Conn struct {
	net.Conn
	release func()
}

// Close frees the slot, then closes the connection; idempotent.
func (c *Conn) Close() error {
	c.release()
	return c.Conn.Close()
}
