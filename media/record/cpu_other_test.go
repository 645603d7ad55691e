//go:build !unix

package record

import "time"

// cpuTime returns 0 where the CPU time is not measured: the benchmarks
// then report no CPU figures.
func cpuTime() time.Duration { return 0 }
