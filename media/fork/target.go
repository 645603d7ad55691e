package fork

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// DefaultResolveTimeout bounds one host name lookup of Parser.Parse when
// Parser.Timeout is zero: an API request that names a host waits at most
// this long for the answer.
const DefaultResolveTimeout = 2 * time.Second

// maxTarget is the longest target string accepted: "udp://", a 253-byte
// host name (or a bracketed IPv6 address) and ":65535", with some room.
const maxTarget = 280

// Resolver looks host names up. *net.Resolver is one; tests inject a fake.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Parser parses media fork targets. The zero value resolves host names
// with net.DefaultResolver and DefaultResolveTimeout.
type Parser struct {
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds one lookup; zero means DefaultResolveTimeout.
	Timeout time.Duration
}

// ParseTarget parses a target as Parser{}.Parse does, with a background
// context: a host name is resolved by net.DefaultResolver within
// DefaultResolveTimeout.
func ParseTarget(s string) (netip.AddrPort, error) {
	return Parser{}.Parse(context.Background(), s)
}

// Parse parses a target of the form udp://host:port, where host is an
// IPv4 address (dotted quad), an IPv6 address in brackets (without a
// zone), or a host name, and port is 1-65535. The scheme's case does not
// matter (RFC 3986); nothing else is accepted: no other scheme, no user
// info, path, query or fragment, no spaces or control characters. A host
// name is resolved once, within the Parser's timeout (and ctx), and the
// first IPv4 address it has is taken, else its first IPv6 address without
// a zone; IPv4-mapped IPv6 addresses are returned as IPv4. Errors wrap ErrTarget or ErrResolve.
//
// Parse does not judge the address: check it with a Policy.
func (p Parser) Parse(ctx context.Context, s string) (netip.AddrPort, error) {
	host, port, err := split(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	addr, err := p.host(ctx, s, host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, port), nil
}

// split checks the syntax of s and returns its host (brackets kept) and
// port.
func split(s string) (host string, port uint16, err error) {
	if len(s) > maxTarget {
		return "", 0, fmt.Errorf("%w: %q: longer than %d bytes", ErrTarget, short(s), maxTarget)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			return "", 0, fmt.Errorf("%w: %q: contains a space", ErrTarget, short(s))
		case c < 0x21 || c > 0x7e:
			return "", 0, fmt.Errorf("%w: %q: contains a control or non-ASCII character", ErrTarget, short(s))
		}
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", 0, fmt.Errorf("%w: %q: not of the form udp://host:port", ErrTarget, short(s))
	}
	if !strings.EqualFold(scheme, "udp") {
		return "", 0, fmt.Errorf("%w: %q: scheme %q is not udp", ErrTarget, short(s), short(scheme))
	}
	if strings.ContainsAny(rest, "/?#") {
		return "", 0, fmt.Errorf("%w: %q: a path, query or fragment is not allowed", ErrTarget, short(s))
	}
	if strings.Contains(rest, "@") {
		return "", 0, fmt.Errorf("%w: %q: user info is not allowed", ErrTarget, short(s))
	}
	host, ps, err := splitHostPort(s, rest)
	if err != nil {
		return "", 0, err
	}
	port, err = parsePort(s, ps)
	return host, port, err
}

// splitHostPort splits "host:port" or "[v6]:port".
func splitHostPort(s, rest string) (host, port string, err error) {
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", "", fmt.Errorf("%w: %q: no closing bracket", ErrTarget, short(s))
		}
		host, after := rest[:end+1], rest[end+1:]
		if after == "" {
			return "", "", fmt.Errorf("%w: %q: no port", ErrTarget, short(s))
		}
		if after[0] != ':' {
			return "", "", fmt.Errorf("%w: %q: junk after the address", ErrTarget, short(s))
		}
		return host, after[1:], nil
	}
	switch strings.Count(rest, ":") {
	case 0:
		return "", "", fmt.Errorf("%w: %q: no port", ErrTarget, short(s))
	case 1:
	default:
		return "", "", fmt.Errorf("%w: %q: an IPv6 address must be in brackets", ErrTarget, short(s))
	}
	host, port, _ = strings.Cut(rest, ":")
	if host == "" {
		return "", "", fmt.Errorf("%w: %q: no host", ErrTarget, short(s))
	}
	return host, port, nil
}

// parsePort parses a decimal port 1-65535.
func parsePort(s, p string) (uint16, error) {
	if p == "" {
		return 0, fmt.Errorf("%w: %q: no port", ErrTarget, short(s))
	}
	if len(p) > 5 || strings.Trim(p, "0123456789") != "" {
		return 0, fmt.Errorf("%w: %q: port %q is not a number 1-65535", ErrTarget, short(s), short(p))
	}
	n, _ := strconv.Atoi(p)
	switch {
	case n == 0:
		return 0, fmt.Errorf("%w: %q: port 0 is not allowed", ErrTarget, short(s))
	case n > 65535:
		return 0, fmt.Errorf("%w: %q: port %d is above 65535", ErrTarget, short(s), n)
	}
	return uint16(n), nil
}

// host turns the host part into an address, resolving a name.
func (p Parser) host(ctx context.Context, s, host string) (netip.Addr, error) {
	if strings.HasPrefix(host, "[") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		switch {
		case err != nil:
			return netip.Addr{}, fmt.Errorf("%w: %q: bad IPv6 address", ErrTarget, short(s))
		case a.Is4():
			return netip.Addr{}, fmt.Errorf("%w: %q: brackets are for IPv6 addresses only", ErrTarget, short(s))
		case a.Zone() != "":
			return netip.Addr{}, fmt.Errorf("%w: %q: zoned IPv6 addresses are not supported", ErrTarget, short(s))
		}
		return a.Unmap(), nil
	}
	if strings.Trim(host, "0123456789.") == "" {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is4() {
			return netip.Addr{}, fmt.Errorf("%w: %q: bad IPv4 address", ErrTarget, short(s))
		}
		return a, nil
	}
	if !validName(host) {
		return netip.Addr{}, fmt.Errorf("%w: %q: %q is not a host name", ErrTarget, short(s), short(host))
	}
	return p.resolve(ctx, host)
}

// resolve looks host up within the Parser's timeout.
func (p Parser) resolve(ctx context.Context, host string) (netip.Addr, error) {
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultResolveTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %q: %w", ErrResolve, host, err)
	}
	var first netip.Addr
	for _, a := range addrs {
		a = a.Unmap()
		if !a.IsValid() || a.Zone() != "" {
			continue // a zoned (link-local) address needs an interface
		}
		if a.Is4() {
			return a, nil
		}
		if !first.IsValid() {
			first = a
		}
	}
	if !first.IsValid() {
		return netip.Addr{}, fmt.Errorf("%w: %q: no addresses", ErrResolve, host)
	}
	return first, nil
}

// validName reports whether h is a DNS host name: dot-separated labels of
// letters, digits and inner hyphens, 1-63 bytes each, 253 in all, whose
// last label is not all digits (so "127.1" or "0x7f.1" is never looked up
// as a name).
func validName(h string) bool {
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	return strings.Trim(last, "0123456789") != ""
}

// short cuts outside input for error messages and logs.
func short(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
