package board

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Memory limit figures (MemoryLimit).
const (
	// SimMemory is the memory the simulated board pretends to have: that of
	// the smallest board, a Pi Zero 2 W (512 MB), so a box run on a PC
	// behaves under load as the smallest board would.
	SimMemory = 512 << 20
	// memReserve is what the limit leaves to the system (kernel, page cache
	// for prompts and recordings, other services), at most half the RAM.
	memReserve = 128 << 20
)

// MemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit) for
// the Go runtime on board p: the RAM less a reserve for the system, at
// least half the RAM. The RAM is MemTotal in meminfo (normally
// /proc/meminfo); the simulated board uses SimMemory. It fails when
// meminfo cannot be read or has no MemTotal.
func (p Profile) MemoryLimit(meminfo string) (int64, error) {
	total := int64(SimMemory)
	if p.Name != "sim" {
		var err error
		if total, err = memTotal(meminfo); err != nil {
			return 0, err
		}
	}
	return max(total/2, total-memReserve), nil
}

// memTotal reads MemTotal (in bytes) from a /proc/meminfo file.
func memTotal(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("board: memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil || kb <= 0 {
			return 0, fmt.Errorf("board: memory: bad MemTotal %q in %s", strings.TrimSpace(rest), path)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("board: memory: %w", err)
	}
	return 0, fmt.Errorf("board: memory: no MemTotal in %s", path)
}
