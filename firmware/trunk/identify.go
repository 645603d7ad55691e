package trunk

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// lookupTimeout bounds the resolution of one host name.
const lookupTimeout = 5 * time.Second

var defaultResolver = net.DefaultResolver

// idTable maps source addresses to the trunks at them. It is never changed
// once published.
type idTable struct {
	byAddr map[netip.Addr][]candidate // in config order
}

// candidate is a trunk at an address.
type candidate struct {
	name string
	port uint16
}

// Identify tells which trunk an inbound request from src comes from: the
// trunk (peer or register) whose Host resolved to src's IP address. When
// several trunks share that address, the first (in config order) whose port
// is src's port wins, else the first of them. It does no DNS and takes no
// lock.
func (m *Manager) Identify(src netip.AddrPort) (name string, ok bool) {
	cands := m.ids.Load().byAddr[norm(src.Addr())]
	if len(cands) == 0 {
		return "", false
	}
	for _, c := range cands {
		if c.port == src.Port() {
			return c.name, true
		}
	}
	return cands[0].name, true
}

// norm is the form addresses are compared in: no zone, IPv4 unmapped.
func norm(a netip.Addr) netip.Addr { return a.WithZone("").Unmap() }

// hostPort splits a trunk's Host into host and port (5060 by default).
func hostPort(t config.Trunk) (string, uint16) {
	host, p, err := net.SplitHostPort(t.Addr())
	if err != nil {
		return t.Host, 5060
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return host, 5060
	}
	return host, uint16(port)
}

// resolve looks up the trunks' host names (IP addresses need none) and
// publishes the table Identify reads. A name that does not resolve keeps
// the addresses it had. m.applyMu is held.
func (m *Manager) resolve(trunks []config.Trunk) {
	var names []string
	for _, t := range trunks {
		host, _ := hostPort(t)
		if _, err := netip.ParseAddr(host); err != nil && !slices.Contains(names, host) {
			names = append(names, host)
		}
	}
	found := make([][]netip.Addr, len(names))
	var wg sync.WaitGroup
	for i, host := range names {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(m.ctx, lookupTimeout)
			defer cancel()
			addrs, err := m.lookup(ctx, host)
			if err == nil && len(addrs) == 0 {
				err = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
			}
			if err != nil {
				m.log.Warn("trunk: cannot resolve the host", "host", host, "error", err, "kept", len(m.hosts[host]))
				addrs = m.hosts[host]
			}
			found[i] = addrs
		})
	}
	wg.Wait()
	hosts := make(map[string][]netip.Addr, len(names))
	for i, host := range names {
		if len(found[i]) > 0 {
			hosts[host] = found[i]
		}
	}
	m.hosts = hosts

	tbl := &idTable{byAddr: map[netip.Addr][]candidate{}}
	for _, t := range trunks {
		host, port := hostPort(t)
		addrs := hosts[host]
		if a, err := netip.ParseAddr(host); err == nil {
			addrs = []netip.Addr{a}
		}
		for _, a := range addrs {
			a = norm(a)
			c := candidate{name: t.Name, port: port}
			if !slices.Contains(tbl.byAddr[a], c) {
				tbl.byAddr[a] = append(tbl.byAddr[a], c)
			}
		}
	}
	m.ids.Store(tbl)
}
