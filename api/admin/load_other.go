//go:build !unix

package admin

// rssMB is not measured on this system.
func rssMB() float64 { return 0 }
