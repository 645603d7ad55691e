//go:build unix

package procs

import (
	"syscall"
	"time"
)

// CPUTime is the process's CPU time, user and system (0 where it is not
// measured).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
