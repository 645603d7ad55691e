// Package sdnotify tells systemd how the ivrbox service is doing: ready,
// stopping, a one-line status, and watchdog keep-alives (the sd_notify(3)
// protocol: datagrams of NAME=value lines to the unix socket named by
// NOTIFY_SOCKET, path or abstract "@name").
//
// Outside systemd (no NOTIFY_SOCKET, a laptop, a test) every call is a no-op
// that returns nil, and so is every method of a nil *Notifier. It never
// blocks the caller for long (one non-blocking datagram per call), never
// changes the environment, and never decides on its own that the process is
// healthy: the watchdog pings only while its caller's context lives and its
// health check (if any) passes.
package sdnotify
