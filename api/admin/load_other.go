//go:build !unix

package admin

import "time"

// cpuTime is not measured on this system.
func cpuTime() time.Duration { return 0 }

// rssMB is not measured on this system.
func rssMB() float64 { return 0 }
