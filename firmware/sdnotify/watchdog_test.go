package sdnotify

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// start runs WatchdogCheck in a goroutine and returns a stop function that
// cancels it and waits for it to return.
func start(t *testing.T, n *Notifier, check func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.WatchdogCheck(ctx, check); close(done) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("watchdog did not stop after its context was cancelled")
		}
	}
}

func TestWatchdogPings(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "notify.sock")
	m := listen(t, addr)
	n := New(Options{Getenv: env("NOTIFY_SOCKET", addr, "WATCHDOG_USEC", "20000")})
	stop := start(t, n, nil)
	defer stop()
	for i := 0; i < 3; i++ {
		if got := m.next(); got != "WATCHDOG=1" {
			t.Fatalf("ping %d: got %q, want WATCHDOG=1", i, got)
		}
	}
}

func TestWatchdogCheck(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "notify.sock")
	m := listen(t, addr)
	n := New(Options{Getenv: env("NOTIFY_SOCKET", addr, "WATCHDOG_USEC", "20000")})
	var failures atomic.Int32
	failures.Store(3)
	check := func(ctx context.Context) error {
		if ctx == nil {
			return errors.New("no context")
		}
		if failures.Add(-1) >= 0 {
			return errors.New("sip loop stuck")
		}
		return nil
	}
	stop := start(t, n, check)
	defer stop()
	want := []string{"STATUS=unhealthy: sip loop stuck", "STATUS=running", "WATCHDOG=1", "WATCHDOG=1"}
	for i, w := range want {
		if got := m.next(); got != w {
			t.Fatalf("message %d: got %q, want %q", i, got, w)
		}
	}
}

func TestWatchdogStopsWithContext(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "notify.sock")
	m := listen(t, addr)
	n := New(Options{Getenv: env("NOTIFY_SOCKET", addr, "WATCHDOG_USEC", "3600000000")})
	stop := start(t, n, nil)
	if got := m.next(); got != "WATCHDOG=1" {
		t.Fatalf("first ping: got %q, want WATCHDOG=1", got)
	}
	stop() // an hour-long tick must not delay the return
}
