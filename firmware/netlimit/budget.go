package netlimit

// Budget splits the file descriptors the process may open: a quarter for
// SIP's TCP and TLS connections, a quarter for HTTP's (admin page, API,
// WebSockets), the rest for RTP sockets, files and the store. Each share
// is capped at a limit, and one address may hold an eighth of it (at least 4).
type Budget struct {
	SIP, SIPPerAddr   int
	HTTP, HTTPPerAddr int
}

// BudgetFor returns the budget of a process that may open fds files, each
// share capped at limit.
func BudgetFor(fds, limit int) Budget {
	share := min(fds/4, limit)
	per := max(share/8, 4)
	return Budget{SIP: share, SIPPerAddr: per, HTTP: share, HTTPPerAddr: per}
}
