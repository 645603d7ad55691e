package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/ivrbox/ivrbox/board"
)

// setMemoryLimit sets the Go runtime's soft memory limit from the board's
// RAM (board.Profile.MemoryLimit), so a burst of calls makes the collector
// work harder rather than swap the box to death. A GOMEMLIMIT in the
// environment wins: the runtime has applied it already.
func setMemoryLimit(name string, log *slog.Logger) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		log.Info("memory limit from GOMEMLIMIT", "limit", v)
		return
	}
	p, err := board.Lookup(name, "/proc/device-tree/model")
	if err == nil {
		var limit int64
		if limit, err = p.MemoryLimit("/proc/meminfo"); err == nil {
			debug.SetMemoryLimit(limit)
			log.Info("memory limit", "board", p.Name, "limit_mb", limit>>20)
			return
		}
	}
	log.Warn("no memory limit set", "err", err)
}
