package admin

import (
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"

	"github.com/ivrbox/ivrbox/firmware/procs"
)

// debugRoutes are the endpoints for performance work: they change nothing
// but the process's heap, and need the admin's authentication like the rest.
func (a *API) debugRoutes() []route {
	return []route{{"POST", "debug/gc", false, a.postDebugGC}}
}

// runtimeJSON answers POST debug/gc: the process's figures after a full
// garbage collection.
type runtimeJSON struct {
	LiveHeapBytes uint64  `json:"live_heap_bytes"` // heap objects still reachable (runtime/metrics /gc/heap/live)
	HeapBytes     uint64  `json:"heap_bytes"`      // heap memory in objects, live or not yet swept
	TotalBytes    uint64  `json:"total_bytes"`     // all memory the Go runtime holds from the system
	MemoryLimit   int64   `json:"memory_limit"`    // the soft memory limit (GOMEMLIMIT or the board's)
	Goroutines    int     `json:"goroutines"`
	OpenFDs       int     `json:"open_fds"` // -1: not known on this system
	RSSMB         float64 `json:"rss_mb"`
	CPUSeconds    float64 `json:"cpu_seconds"` // user and system CPU time since start
}

// runtimeMetrics are the runtime/metrics samples runtimeJSON reports.
var runtimeMetrics = []string{
	"/gc/heap/live:bytes",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/total:bytes",
	"/gc/gomemlimit:bytes",
}

// postDebugGC runs a full garbage collection, returns freed memory to the
// system, and answers the figures a soak test compares before and after.
func (a *API) postDebugGC(w http.ResponseWriter, r *http.Request) error {
	debug.FreeOSMemory() // a full GC, then the heap's free pages go back
	samples := make([]metrics.Sample, len(runtimeMetrics))
	for i, name := range runtimeMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	u := func(i int) uint64 {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return samples[i].Value.Uint64()
	}
	writeJSON(w, http.StatusOK, runtimeJSON{
		LiveHeapBytes: u(0), HeapBytes: u(1), TotalBytes: u(2), MemoryLimit: int64(u(3)),
		Goroutines: runtime.NumGoroutine(), OpenFDs: openFDs(), RSSMB: rssMB(),
		CPUSeconds: procs.CPUTime().Seconds(),
	})
	return nil
}

// openFDs counts the process's open file descriptors (Linux's /proc), not
// counting the one that reads the list; -1 where there is no /proc.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents) - 1
}
