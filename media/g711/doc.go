// Package g711 converts between 16-bit linear PCM and G.711 µ-law (PCMU,
// RTP payload type 0) and A-law (PCMA, payload type 8), and transcodes
// between the two laws.
//
// The conversion tables are built once at init from the per-sample functions
// of github.com/zaf/g711, so every result is bit-identical to that package,
// while the slice functions here write into caller-owned buffers and never
// allocate: they are meant for the 20 ms RTP path.
//
// The package must never allocate in its conversion functions, keep state
// between calls, or read anything but its arguments.
package g711
