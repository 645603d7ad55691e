//go:build unix

package admin

import (
	"os"
	"strconv"
	"strings"
)

// rssMB is the resident memory in MiB, to a tenth (Linux; 0 elsewhere).
func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	mb := float64(pages*int64(os.Getpagesize())) / (1 << 20)
	return float64(int(mb*10+0.5)) / 10
}
