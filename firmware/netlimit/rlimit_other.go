//go:build !unix

package netlimit

// FDLimit is 1024 where the limit on open files cannot be read.
func FDLimit() int { return 1024 }
