// Package netlimit bounds what a listener's clients can hold: connection
// slots in total and per source address, and an accept loop that outlives
// "too many open files" (it backs off and goes on, as net/http does,
// instead of returning the error and stopping the listener). The budget
// is derived from the process's real file-descriptor limit (FDLimit).
package netlimit
