package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"

	"github.com/ivrbox/ivrbox/firmware/procs"
)

// checkProcs checks the -procs flag: "auto" or a number of processors.
func checkProcs(arg string) error {
	if arg == "auto" {
		return nil
	}
	if n, err := strconv.Atoi(arg); err != nil || n < 1 {
		return fmt.Errorf("-procs: %q is neither auto nor a number of processors", arg)
	}
	return nil
}

// newProcs applies -procs: a number is set once; auto returns the
// controller that follows the load (nil when GOMAXPROCS in the environment
// has fixed the number, or there is only one processor).
func newProcs(arg string, load float64, log *slog.Logger) *procs.Controller {
	if n, err := strconv.Atoi(arg); err == nil {
		runtime.GOMAXPROCS(n)
		log.Info("processors", "procs", n, "why", "-procs")
		return nil
	}
	if v := os.Getenv("GOMAXPROCS"); v != "" {
		log.Info("processors", "procs", runtime.GOMAXPROCS(0), "why", "GOMAXPROCS")
		return nil
	}
	if runtime.GOMAXPROCS(0) <= 1 {
		return nil
	}
	return procs.New(procs.Options{Load: load, Log: log.With("component", "procs")})
}
