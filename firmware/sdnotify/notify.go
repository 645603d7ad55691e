package sdnotify

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

var (
	errAddress  = errors.New("unsupported NOTIFY_SOCKET address")
	errWatchdog = errors.New("bad WATCHDOG_USEC")
)

// Options says where a Notifier finds its settings. The zero value reads the
// process environment.
type Options struct {
	// Getenv reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID; nil means os.Getenv.
	Getenv func(string) string
	// PID is this process's id, compared with WATCHDOG_PID; 0 means os.Getpid().
	PID int
	// Log receives failed sends and bad settings; nil discards.
	Log *slog.Logger
}

// Notifier sends state changes to the service manager. Methods on a nil
// *Notifier, or on one built outside systemd, do nothing and return nil.
// A Notifier is safe for concurrent use.
type Notifier struct {
	socket   string        // NOTIFY_SOCKET: "/path" or "@abstract"; "" disables
	watchdog time.Duration // WATCHDOG_USEC for this process; 0 disables
	log      *slog.Logger
}

// New reads the settings systemd passed to this process. Bad settings are
// logged and disable the part they concern (a service whose watchdog cannot
// be parsed is better left running than killed).
func New(opt Options) *Notifier {
	getenv := opt.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	pid := opt.PID
	if pid == 0 {
		pid = os.Getpid()
	}
	n := &Notifier{log: opt.Log}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if s := getenv("NOTIFY_SOCKET"); s != "" {
		if s[0] == '/' || s[0] == '@' {
			n.socket = s
		} else {
			n.log.Warn("sdnotify: notifications off", "err", fmt.Errorf("%w: %q", errAddress, s))
		}
	}
	d, err := watchdogInterval(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"), pid)
	if err != nil {
		n.log.Warn("sdnotify: watchdog off", "err", err)
	}
	n.watchdog = d
	return n
}

// watchdogInterval is the watchdog timeout systemd set for process pid, or 0
// when there is none (unset, or WATCHDOG_PID names another process).
func watchdogInterval(usec, wpid string, pid int) (time.Duration, error) {
	if usec == "" {
		return 0, nil
	}
	if wpid != "" {
		p, err := strconv.Atoi(wpid)
		if err != nil || p != pid {
			return 0, nil // meant for another process
		}
	}
	u, err := strconv.ParseUint(usec, 10, 63)
	if err != nil || u == 0 || u > uint64(1<<63-1)/uint64(time.Microsecond) {
		return 0, fmt.Errorf("%w: %q", errWatchdog, usec)
	}
	return time.Duration(u) * time.Microsecond, nil
}

// Enabled reports whether a service manager listens.
func (n *Notifier) Enabled() bool { return n != nil && n.socket != "" }

// WatchdogTimeout is the watchdog timeout systemd enforces on this process
// (WatchdogSec=), or 0 when there is no watchdog.
func (n *Notifier) WatchdogTimeout() time.Duration {
	if !n.Enabled() {
		return 0
	}
	return n.watchdog
}

// Ready says start-up is finished: the service is serving (READY=1).
func (n *Notifier) Ready() error { return n.Notify("READY=1") }

// Stopping says the service has begun shutting down (STOPPING=1).
func (n *Notifier) Stopping() error { return n.Notify("STOPPING=1") }

// Status sets the one-line status `systemctl status` shows (STATUS=...).
// Line breaks become spaces, so a status cannot smuggle in other assignments.
func (n *Notifier) Status(s string) error {
	return n.Notify("STATUS=" + strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s))
}

// Notify sends state, one or more NAME=value lines, as one datagram.
func (n *Notifier) Notify(state string) error {
	if !n.Enabled() {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: n.socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer conn.Close()
	// The manager reads promptly; a full queue must not stall the caller.
	if err := conn.SetWriteDeadline(time.Now().Add(time.Second)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	return nil
}
