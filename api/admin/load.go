package admin

import (
	"runtime"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/procs"
)

// loadSampler turns the process's CPU time into a percentage between two
// status requests.
type loadSampler struct {
	mu   sync.Mutex // guards wall and cpu
	wall time.Time
	cpu  time.Duration
}

func (l *loadSampler) start(now time.Time) {
	l.mu.Lock()
	l.wall, l.cpu = now, procs.CPUTime()
	l.mu.Unlock()
}

// cpuPercent is the CPU the process used since the previous call, as a
// percentage of all cores, to a tenth.
func (l *loadSampler) cpuPercent(now time.Time) float64 {
	cpu := procs.CPUTime()
	l.mu.Lock()
	defer l.mu.Unlock()
	wall := now.Sub(l.wall)
	used := cpu - l.cpu
	l.wall, l.cpu = now, cpu
	if wall <= 0 || used <= 0 {
		return 0
	}
	p := float64(used) / float64(wall) / float64(runtime.NumCPU()) * 100
	return float64(int(min(p, 100)*10+0.5)) / 10
}
