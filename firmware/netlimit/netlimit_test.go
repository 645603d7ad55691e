package netlimit

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

func tcpAddr(ip string, port int) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: port} }

// TestLimits: the total and per-address caps, and a slot given back once.
func TestLimits(t *testing.T) {
	l := New(3, 2)
	r1, ok1 := l.Take(tcpAddr("10.0.0.1", 1))
	_, ok2 := l.Take(tcpAddr("10.0.0.1", 2))
	_, ok3 := l.Take(tcpAddr("10.0.0.1", 3))
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("one address: %v %v %v, want the third refused", ok1, ok2, ok3)
	}
	if _, ok := l.Take(tcpAddr("::ffff:10.0.0.2", 1)); !ok {
		t.Fatal("another address refused under the total")
	}
	if _, ok := l.Take(tcpAddr("10.0.0.3", 1)); ok {
		t.Fatal("taken over the total")
	}
	r1()
	r1() // a second release counts for nothing
	if l.Used() != 2 {
		t.Fatalf("used %d, want 2", l.Used())
	}
	if _, ok := l.Take(tcpAddr("10.0.0.3", 1)); !ok {
		t.Fatal("a freed slot not given again")
	}
	if _, ok := l.Take(tcpAddr("10.0.0.3", 2)); ok {
		t.Fatal("taken over the total after a release")
	}
}

// failingListener fails Accept with errs, then hands out conns, then
// reports itself closed.
type failingListener struct {
	net.Listener
	errs  []error
	conns []net.Conn
}

func (f *failingListener) Accept() (net.Conn, error) {
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	}
	if len(f.conns) > 0 {
		c := f.conns[0]
		f.conns = f.conns[1:]
		return c, nil
	}
	return nil, net.ErrClosed
}

func (f *failingListener) Close() error { return nil }

// TestAcceptOutlivesEMFILE: "too many open files" pauses the listener and
// is reported; the next connection is returned; closing ends it.
func TestAcceptOutlivesEMFILE(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	fl := &failingListener{errs: []error{emfile, emfile, syscall.ENFILE}, conns: []net.Conn{a}}
	l := Wrap(fl, New(10, 10))
	var seen []error
	l.OnError = func(err error) { seen = append(seen, err) }
	c, err := l.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if len(seen) != 3 || !errors.Is(seen[0], syscall.EMFILE) {
		t.Fatalf("errors reported: %v, want the three", seen)
	}
	if l.Limits.Used() != 1 {
		t.Fatalf("used %d, want 1", l.Limits.Used())
	}
	c.Close()
	c.Close()
	if l.Limits.Used() != 0 {
		t.Fatalf("used %d after close, want 0", l.Limits.Used())
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept on a closed listener: %v", err)
	}
}

// TestAcceptPauseEndsOnClose: Close ends a pause at once.
func TestAcceptPauseEndsOnClose(t *testing.T) {
	done := make(chan struct{})
	close(done)
	fl := &failingListener{errs: []error{syscall.EMFILE}}
	if _, err := Accept(fl, done, nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept: %v, want net.ErrClosed", err)
	}
}

// TestBudget: the shares of a low and a high fd limit.
func TestBudget(t *testing.T) {
	if b := BudgetFor(256, 1024); b.SIP != 64 || b.SIPPerAddr != 8 || b.HTTP != 64 {
		t.Errorf("256 fds: %+v", b)
	}
	if b := BudgetFor(1<<20, 1024); b.SIP != 1024 || b.SIPPerAddr != 128 {
		t.Errorf("1M fds: %+v", b)
	}
	if FDLimit() < 1 {
		t.Error("no fd limit")
	}
}
