package sdnotify

import (
	"context"
	"time"
)

// Watchdog pings systemd (WATCHDOG=1) at half the watchdog timeout until ctx
// is done, starting with one ping at once. It returns at once when there is
// no watchdog. Run it in a goroutine owned by whoever owns ctx.
func (n *Notifier) Watchdog(ctx context.Context) {
	n.WatchdogCheck(ctx, nil)
}

// WatchdogCheck is Watchdog with a health check: before each ping it calls
// check (with ctx), and skips the ping while check fails, so that systemd
// restarts a service whose main loop is stuck. The failure is reported as the
// service status and logged. A nil check always passes.
func (n *Notifier) WatchdogCheck(ctx context.Context, check func(context.Context) error) {
	timeout := n.WatchdogTimeout()
	if timeout == 0 {
		return
	}
	t := time.NewTicker(timeout / 2)
	defer t.Stop()
	healthy := true
	for {
		if err := runCheck(ctx, check); err != nil {
			if healthy {
				n.log.Error("sdnotify: health check failed, not pinging the watchdog", "err", err)
				_ = n.Status("unhealthy: " + err.Error())
			}
			healthy = false
		} else {
			if !healthy {
				n.log.Info("sdnotify: health check passes again")
				_ = n.Status("running")
			}
			healthy = true
			if err := n.Notify("WATCHDOG=1"); err != nil {
				n.log.Warn("sdnotify: watchdog ping", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func runCheck(ctx context.Context, check func(context.Context) error) error {
	if check == nil {
		return nil
	}
	return check(ctx)
}
