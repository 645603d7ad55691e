package box

import (
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// hostGuard answers 421 to a request whose Host is none of the box's names,
// before any handler (first-run setup included) sees it. A page on another
// site that rebinds its DNS name to the box's address sends its own name as
// Host, so it passes the cross-origin check (its Origin matches its Host)
// but not this one. The box's names are localhost (and *.localhost), its
// host name (and host name.local), its certificate's DNS names and the
// config's system.http_hosts. Any IP literal passes: a DNS rebinding never
// sends one, and a box reached through a NAT or a port forward keeps
// working by address.
func (b *Box) hostGuard(h http.Handler) http.Handler {
	host, _ := os.Hostname()
	host = strings.ToLower(host)
	var lastLog atomic.Int64 // unix nanoseconds of the last refusal logged
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := requestHost(r.Host)
		if name == "" || b.isOwnName(name, host) {
			h.ServeHTTP(w, r)
			return
		}
		if now, last := time.Now().UnixNano(), lastLog.Load(); now-last > int64(10*time.Second) && lastLog.CompareAndSwap(last, now) {
			b.log.Warn("http: request for another host refused (DNS rebinding?)", "host", clipHost(r.Host),
				"addr", r.RemoteAddr, "path", clipHost(r.URL.Path))
		}
		refuseHost(w, r, name)
	})
}

// requestHost is the Host header's name or address, lower case, without
// port, brackets or a trailing dot.
func requestHost(h string) string {
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
}

// isOwnName reports whether name (from requestHost) is one of the box's.
func (b *Box) isOwnName(name, hostname string) bool {
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	if hostname != "" && (name == hostname || name == hostname+".local") {
		return true
	}
	if b.Certs != nil {
		if c := b.Certs.Certificate(); c != nil && c.Leaf != nil && matchesAny(name, c.Leaf.DNSNames) {
			return true
		}
	}
	if b.Store != nil {
		if c := b.Store.Current(); c != nil && matchesAny(name, c.System.HTTPHosts) {
			return true
		}
	}
	return false
}

// matchesAny reports whether name is one of names, where "*.example.com"
// stands for every name below example.com.
func matchesAny(name string, names []string) bool {
	for _, n := range names {
		n = strings.TrimSuffix(strings.ToLower(n), ".")
		if rest, ok := strings.CutPrefix(n, "*."); ok {
			if strings.HasSuffix(name, "."+rest) {
				return true
			}
		} else if name == n {
			return true
		}
	}
	return false
}

// refuseHost answers 421 Misdirected Request: JSON under /api/, text else.
func refuseHost(w http.ResponseWriter, r *http.Request, name string) {
	msg := "this box does not answer to the name " + clipHost(name) +
		": open it by its address or a name it knows, or add the name to system.http_hosts"
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		hd.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusMisdirectedRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
		return
	}
	hd.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusMisdirectedRequest)
	_, _ = w.Write([]byte(msg + "\n"))
}

// clipHost shortens outside input for a log line or a message.
func clipHost(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
