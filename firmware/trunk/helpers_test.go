package trunk

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/firmware/store"
)

// wait is how long tests wait for something that should happen promptly.
const wait = 10 * time.Second

func TestMain(m *testing.M) {
	// Short SIP timers: a REGISTER to nobody gives up in 6.4 s, not 32 s.
	sipmsg.SetTimers(100*time.Millisecond, 800*time.Millisecond, time.Second)
	sip.SetLibraryLogger(testLog())
	os.Exit(m.Run())
}

// testLog discards logs unless TRUNK_TEST_LOG is set.
func testLog() *slog.Logger {
	if os.Getenv("TRUNK_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fakeReg is a registration whose state the test sets.
type fakeReg struct {
	opts      sip.RegisterOptions
	release   chan struct{} // when set, Close waits for it
	closed    chan struct{}
	closeOnce sync.Once

	mu sync.Mutex
	st sip.RegState
	f  func(sip.RegState)
}

func (r *fakeReg) State() sip.RegState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

func (r *fakeReg) OnChange(f func(sip.RegState)) {
	r.mu.Lock()
	r.f = f
	r.mu.Unlock()
}

func (r *fakeReg) Close() error {
	r.closeOnce.Do(func() {
		if r.release != nil {
			<-r.release
		}
		r.set(sip.RegState{Status: sip.RegUnregistering})
		r.set(sip.RegState{Status: sip.RegClosed})
		close(r.closed)
	})
	<-r.closed
	return nil
}

func (r *fakeReg) isClosed() bool {
	select {
	case <-r.closed:
		return true
	default:
		return false
	}
}

// set moves the registration to st, telling OnChange like sip does.
func (r *fakeReg) set(st sip.RegState) {
	r.mu.Lock()
	r.st = st
	f := r.f
	r.mu.Unlock()
	if f != nil {
		f(st)
	}
}

// fakeSIP hands out fakeRegs.
type fakeSIP struct {
	mu      sync.Mutex
	regs    []*fakeReg
	release chan struct{} // given to new registrations
}

func (s *fakeSIP) register(_ context.Context, ro sip.RegisterOptions) registration {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &fakeReg{opts: ro, release: s.release, closed: make(chan struct{}), st: sip.RegState{Status: sip.RegRegistering}}
	s.regs = append(s.regs, r)
	return r
}

// all returns every registration started so far.
func (s *fakeSIP) all() []*fakeReg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*fakeReg(nil), s.regs...)
}

// last returns the latest registration for user.
func (s *fakeSIP) last(t *testing.T, user string) *fakeReg {
	t.Helper()
	regs := s.all()
	for i := len(regs) - 1; i >= 0; i-- {
		if regs[i].opts.User == user {
			return regs[i]
		}
	}
	t.Fatalf("no registration for %s", user)
	return nil
}

// secrets is a fake secret store.
type secrets struct {
	mu  sync.Mutex
	m   map[string]string
	err error // returned for every key when set
}

func newSecrets(kv ...string) *secrets {
	s := &secrets{m: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.m[kv[i]] = kv[i+1]
	}
	return s
}

func (s *secrets) Secret(key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return "", s.err
	}
	v, ok := s.m[key]
	if !ok {
		return "", fmt.Errorf("%w: %q", store.ErrNoSecret, key)
	}
	return v, nil
}

func (s *secrets) set(key, value string) {
	s.mu.Lock()
	s.m[key] = value
	s.mu.Unlock()
}

func (s *secrets) fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// lookups is a fake DNS.
type lookups struct {
	mu    sync.Mutex
	m     map[string][]netip.Addr
	fail  bool
	count atomic.Int32
}

func newLookups(kv map[string]string) *lookups {
	l := &lookups{m: map[string][]netip.Addr{}}
	for k, v := range kv {
		l.set(k, v)
	}
	return l
}

func (l *lookups) set(host string, addrs ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[host] = nil
	for _, a := range addrs {
		l.m[host] = append(l.m[host], netip.MustParseAddr(a))
	}
}

func (l *lookups) setFail(fail bool) {
	l.mu.Lock()
	l.fail = fail
	l.mu.Unlock()
}

func (l *lookups) lookup(_ context.Context, host string) ([]netip.Addr, error) {
	l.count.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail {
		return nil, fmt.Errorf("lookup %s: server misbehaving", host)
	}
	a, ok := l.m[host]
	if !ok {
		return nil, fmt.Errorf("lookup %s: no such host", host)
	}
	return a, nil
}

// newTestManager builds a Manager over fakes, closed when the test ends.
func newTestManager(t *testing.T, o Options) *Manager {
	t.Helper()
	if o.Log == nil {
		o.Log = testLog()
	}
	m := New(o)
	t.Cleanup(m.Close)
	return m
}

// eventually waits until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// trunks builds a config with trunks.
func trunks(ts ...config.Trunk) config.Config {
	return config.Config{Trunks: ts}
}
