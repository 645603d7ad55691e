package config

import (
	"errors"
	"fmt"

	"github.com/ivrbox/ivrbox/firmware/route/pattern"
)

// InboundRoute sends calls that arrive from a trunk to an IVR. The box tries
// the inbound routes in config order; the first whose Trunk and DID both
// match the call wins (package route, MatchInbound).
type InboundRoute struct {
	// Name identifies the route: 1–32 ASCII letters, digits, - or _, unique
	// among the inbound routes.
	Name string `json:"name"`
	// Trunk is the name of the trunk the call must come from; "" means any trunk.
	Trunk string `json:"trunk,omitempty"`
	// DID is an Asterisk pattern (package route/pattern) the dialled number
	// must match, e.g. "_X." or "862150001234"; "" means any number.
	DID string `json:"did,omitempty"`
	// IVR is the number of the IVR that answers the call. Required.
	IVR string `json:"ivr"`
}

// OutboundRoute sends numbers that match one of its Patterns out through its
// Trunks. The box tries the outbound routes in config order and takes the
// first whose pattern matches and that the calling account may use
// (Account.OutboundRoutes); package route, MatchOutbound.
type OutboundRoute struct {
	// Name identifies the route in Account.OutboundRoutes: 1–32 ASCII
	// letters, digits, - or _, unique among the outbound routes.
	Name string `json:"name"`
	// Patterns are Asterisk patterns of the dialled number ("_1XXXXXXXXXX",
	// "_9.", "10086"); one matching is enough. At least one, at most 32.
	Patterns []string `json:"patterns"`
	// Strip is how many digits are removed from the front of the number
	// before it is sent (the "9" of "_9."). 0: none.
	Strip int `json:"strip,omitempty"`
	// Prefix is added to the front of the number after Strip. "": none.
	Prefix string `json:"prefix,omitempty"`
	// Trunks are trunk names, tried in order: the next one is used when a
	// trunk fails (failover). At least one, at most 8.
	Trunks []string `json:"trunks"`
}

// Dial is the number sent to the trunk for number: Strip characters removed
// from its front, then Prefix added. A number no longer than Strip leaves
// just Prefix.
func (r OutboundRoute) Dial(number string) string {
	if r.Strip >= len(number) {
		return r.Prefix
	}
	return r.Prefix + number[max(r.Strip, 0):]
}

// outboundRoutes checks the outbound routes against the trunk names and
// returns the route names (→ index).
func (v *validator) outboundRoutes(routes []OutboundRoute, trunks map[string]int) map[string]int {
	if len(routes) > MaxRoutes {
		v.add("outbound_routes", "%d routes, the limit is %d", len(routes), MaxRoutes)
	}
	names := make(map[string]int, len(routes))
	for n, r := range routes {
		p := fmt.Sprintf("outbound_routes[%d]", n)
		v.id(p+".name", r.Name, names, n, "outbound_routes")
		switch {
		case len(r.Patterns) == 0:
			v.add(p+".patterns", "needs at least one pattern")
		case len(r.Patterns) > MaxRoutePatterns:
			v.add(p+".patterns", "%d patterns, the limit is %d", len(r.Patterns), MaxRoutePatterns)
		}
		for i, pat := range r.Patterns {
			v.pattern(fmt.Sprintf("%s.patterns[%d]", p, i), pat)
		}
		if r.Strip < 0 || r.Strip > MaxNumberLen {
			v.add(p+".strip", "%d must be 0 to %d", r.Strip, MaxNumberLen)
		}
		if r.Prefix != "" && r.Prefix != "+" && !dialable(r.Prefix) {
			v.add(p+".prefix", "%q must be digits, *, # with an optional leading +, at most %d", r.Prefix, MaxNumberLen)
		}
		switch {
		case len(r.Trunks) == 0:
			v.add(p+".trunks", "needs at least one trunk")
		case len(r.Trunks) > MaxRouteTrunks:
			v.add(p+".trunks", "%d trunks, the limit is %d", len(r.Trunks), MaxRouteTrunks)
		}
		v.refs(p+".trunks", r.Trunks, trunks, "trunk")
	}
	return names
}

// inboundRoutes checks the inbound routes against the trunk names and the
// IVR numbers.
func (v *validator) inboundRoutes(routes []InboundRoute, trunks map[string]int) {
	if len(routes) > MaxRoutes {
		v.add("inbound_routes", "%d routes, the limit is %d", len(routes), MaxRoutes)
	}
	names := make(map[string]int, len(routes))
	for n, r := range routes {
		p := fmt.Sprintf("inbound_routes[%d]", n)
		v.id(p+".name", r.Name, names, n, "inbound_routes")
		if _, ok := trunks[r.Trunk]; r.Trunk != "" && !ok {
			v.add(p+".trunk", "no trunk is named %q", r.Trunk)
		}
		if r.DID != "" {
			v.pattern(p+".did", r.DID)
		}
		if r.IVR == "" {
			v.add(p+".ivr", "is required")
		} else if _, ok := v.numbers[r.IVR]; !ok {
			v.add(p+".ivr", "no IVR has number %q", r.IVR)
		}
	}
}

// pattern checks an Asterisk pattern.
func (v *validator) pattern(p, s string) {
	if _, err := pattern.Compile(s); err != nil {
		var se *pattern.SyntaxError
		if errors.As(err, &se) {
			v.add(p, "%s", se)
		} else {
			v.add(p, "%q: %s", s, err)
		}
	}
}

// refs checks a list of names that must each be in known, once.
func (v *validator) refs(p string, list []string, known map[string]int, what string) {
	seen := make(map[string]int, len(list))
	for i, name := range list {
		ip := fmt.Sprintf("%s[%d]", p, i)
		if _, ok := known[name]; !ok {
			v.add(ip, "no %s is named %q", what, name)
		} else if first, dup := seen[name]; dup {
			v.add(ip, "%q is also %s[%d]", name, p, first)
		} else {
			seen[name] = i
		}
	}
}
