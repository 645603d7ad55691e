package box

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ivrbox/ivrbox/firmware/netlimit"
	"github.com/ivrbox/ivrbox/firmware/sip"
)

// Connection bounds of the box's listeners, from the file descriptors the
// process may open (netlimit.FDLimit: the Go runtime has raised the soft
// limit to the hard one already): SIP's TCP and TLS connections and HTTP's
// (admin page, APIs, WebSockets: an upgraded connection keeps its slot)
// each get a quarter, one address an eighth of that.

// httpIdleTimeout closes a keep-alive HTTP connection idle for so long.
const httpIdleTimeout = 60 * time.Second

// maxHTTPConns caps HTTP's share however many descriptors there are.
const maxHTTPConns = 1024

var (
	budgetOnce sync.Once
	budget     netlimit.Budget
	fdLimit    int
)

// connBudget is the process's connection budget, computed once.
func connBudget() (netlimit.Budget, int) {
	budgetOnce.Do(func() {
		fdLimit = netlimit.FDLimit()
		budget = netlimit.BudgetFor(fdLimit, min(sip.DefaultMaxConns, maxHTTPConns))
	})
	return budget, fdLimit
}

// sipBounds sets the SIP connection caps of o from the budget.
func (b *Box) sipBounds(o *sip.Options) {
	bud, fds := connBudget()
	o.MaxConns, o.MaxConnsPerAddr = bud.SIP, bud.SIPPerAddr
	b.log.Info("connection limits", "fd_limit", fds, "sip_conns", bud.SIP, "sip_conns_per_address", bud.SIPPerAddr,
		"http_conns", bud.HTTP, "http_conns_per_address", bud.HTTPPerAddr)
}

// httpListener bounds an HTTP listener: the HTTP listeners share one pool
// of slots; refusals and accept errors are logged at most once a second.
func (b *Box) httpListener(ln net.Listener) net.Listener {
	b.httpLimitsOnce.Do(func() {
		bud, _ := connBudget()
		b.httpLimits = netlimit.New(bud.HTTP, bud.HTTPPerAddr)
	})
	l := netlimit.Wrap(ln, b.httpLimits)
	var refusedAt, errAt atomic.Int64
	l.OnRefuse = func(remote net.Addr) {
		if onceASecond(&refusedAt) {
			b.log.Warn("http connections refused: too many connections", "remote", remote.String(),
				"max", b.httpLimits.Total(), "max_per_address", b.httpLimits.PerAddr())
		}
	}
	l.OnError = func(err error) {
		if onceASecond(&errAt) {
			b.log.Error("http accept failed; pausing the listener", "addr", ln.Addr().String(), "error", err)
		}
	}
	return l
}

// httpServer is an HTTP server with the box's timeouts: headers within
// httpReadHeaderTimeout, a keep-alive connection closed after
// httpIdleTimeout idle.
func httpServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: httpReadHeaderTimeout, IdleTimeout: httpIdleTimeout}
}

// onceASecond reports whether a second has passed since it last said so.
func onceASecond(at *atomic.Int64) bool {
	now := time.Now().UnixNano()
	last := at.Load()
	return now-last >= int64(time.Second) && at.CompareAndSwap(last, now)
}
