package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// manager is a fake service manager: a unixgram socket that records datagrams.
type manager struct {
	t    *testing.T
	conn *net.UnixConn
	addr string
}

func listen(t *testing.T, addr string) *manager {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen %q: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &manager{t: t, conn: conn, addr: addr}
}

// next returns the next datagram, failing the test after a generous wait.
func (m *manager) next() string {
	m.t.Helper()
	buf := make([]byte, 4096)
	_ = m.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := m.conn.Read(buf)
	if err != nil {
		m.t.Fatalf("read notification: %v", err)
	}
	return string(buf[:n])
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestNotify(t *testing.T) {
	addrs := map[string]string{"path": filepath.Join(t.TempDir(), "notify.sock")}
	if runtime.GOOS == "linux" {
		addrs["abstract"] = fmt.Sprintf("@ivrbox-sdnotify-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	}
	for name, addr := range addrs {
		t.Run(name, func(t *testing.T) {
			m := listen(t, addr)
			n := New(Options{Getenv: env("NOTIFY_SOCKET", addr)})
			if !n.Enabled() {
				t.Fatal("Enabled() = false with NOTIFY_SOCKET set")
			}
			steps := []struct {
				send func() error
				want string
			}{
				{n.Ready, "READY=1"},
				{func() error { return n.Status("serving: sip :5060") }, "STATUS=serving: sip :5060"},
				{func() error { return n.Status("two\nlines\r\nREADY=1") }, "STATUS=two lines READY=1"},
				{n.Stopping, "STOPPING=1"},
				{func() error { return n.Notify("RELOADING=1\nSTATUS=reloading") }, "RELOADING=1\nSTATUS=reloading"},
			}
			for _, s := range steps {
				if err := s.send(); err != nil {
					t.Fatalf("send %q: %v", s.want, err)
				}
				if got := m.next(); got != s.want {
					t.Errorf("got %q, want %q", got, s.want)
				}
			}
		})
	}
}

func TestNoManager(t *testing.T) {
	tests := []struct {
		name string
		n    *Notifier
	}{
		{"nil", nil},
		{"no NOTIFY_SOCKET", New(Options{Getenv: env("WATCHDOG_USEC", "1000")})},
		{"relative socket", New(Options{Getenv: env("NOTIFY_SOCKET", "notify.sock", "WATCHDOG_USEC", "1000")})},
		{"vsock socket", New(Options{Getenv: env("NOTIFY_SOCKET", "vsock:2:1234")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.n.Enabled() {
				t.Error("Enabled() = true")
			}
			if d := tt.n.WatchdogTimeout(); d != 0 {
				t.Errorf("WatchdogTimeout() = %v, want 0", d)
			}
			for _, err := range []error{tt.n.Ready(), tt.n.Status("x"), tt.n.Stopping(), tt.n.Notify("WATCHDOG=1")} {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
			}
			done := make(chan struct{})
			go func() { tt.n.Watchdog(context.Background()); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Watchdog did not return without a watchdog")
			}
		})
	}
}

func TestNotifyNobodyListening(t *testing.T) {
	n := New(Options{Getenv: env("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "gone.sock"))})
	err := n.Ready()
	if err == nil || !strings.HasPrefix(err.Error(), "sdnotify: ") {
		t.Fatalf("Ready() = %v, want an sdnotify error", err)
	}
}

func TestWatchdogInterval(t *testing.T) {
	const pid = 4242
	tests := []struct {
		usec, wpid string
		want       time.Duration
		wantErr    bool
	}{
		{"", "", 0, false},
		{"30000000", "", 30 * time.Second, false},
		{"30000000", "4242", 30 * time.Second, false},
		{"30000000", "1", 0, false},
		{"30000000", "not-a-pid", 0, false},
		{"20000", "", 20 * time.Millisecond, false},
		{"0", "", 0, true},
		{"-5", "", 0, true},
		{"1s", "", 0, true},
		{"99999999999999999999", "", 0, true},
		{"9223372036854775807", "", 0, true},
	}
	for _, tt := range tests {
		got, err := watchdogInterval(tt.usec, tt.wpid, pid)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("watchdogInterval(%q, %q) = %v, %v; want %v, error %v", tt.usec, tt.wpid, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, errWatchdog) {
			t.Errorf("watchdogInterval(%q): error %v is not errWatchdog", tt.usec, err)
		}
	}
}

func TestNewReadsPID(t *testing.T) {
	n := New(Options{Getenv: env("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "30000000", "WATCHDOG_PID", fmt.Sprint(os.Getpid()))})
	if d := n.WatchdogTimeout(); d != 30*time.Second {
		t.Errorf("WatchdogTimeout() = %v, want 30s for this process", d)
	}
	n = New(Options{Getenv: env("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "1"), PID: 77})
	if d := n.WatchdogTimeout(); d != 0 {
		t.Errorf("WatchdogTimeout() = %v, want 0 for another process's watchdog", d)
	}
}
