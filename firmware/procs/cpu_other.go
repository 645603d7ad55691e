//go:build !unix

package procs

import "time"

// cpuTime is not measured on this system: the scheduling latencies alone
// decide.
func cpuTime() time.Duration { return 0 }
