//go:build unix

package netlimit

import "syscall"

// FDLimit is the process's limit on open files (its soft RLIMIT_NOFILE),
// or 1024 when it cannot be read. Since Go 1.19 the runtime raises the soft
// limit to the hard one at start on Linux, so this is already the most the
// process may open; budgets derived from it (Budget) hold wherever the box
// runs, however low its limit.
func FDLimit() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur == 0 {
		return 1024
	}
	if r.Cur > 1<<30 {
		return 1 << 30
	}
	return int(r.Cur)
}
