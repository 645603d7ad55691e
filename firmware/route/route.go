package route

import (
	"errors"
	"fmt"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/route/pattern"
)

// Pattern is a compiled Asterisk extension pattern (see package route/pattern).
type Pattern = pattern.Pattern

// Compile parses an Asterisk extension pattern: a literal number ("10086")
// or "_" followed by X, Z, N, [1-5], ".", "!", digits, *, # and +. Errors
// wrap pattern.ErrSyntax.
func Compile(p string) (Pattern, error) { return pattern.Compile(p) }

// Why MatchOutbound found no route; Outbound's errors wrap one of these.
var (
	// ErrUnknownAccount: fromExt is not a configured account.
	ErrUnknownAccount = errors.New("route: unknown account")
	// ErrNoRoute: no outbound route has a pattern that matches the number.
	ErrNoRoute = errors.New("route: no outbound route matches")
	// ErrNotAllowed: routes match the number, but the account may use none of them.
	ErrNotAllowed = errors.New("route: outbound route not allowed")
)

// Outbound is the outbound route an outbound call takes.
type Outbound struct {
	// Route is the chosen route; its Trunks are tried in order.
	Route config.OutboundRoute
	// Dial is the number to send to the trunk (Route's Strip and Prefix applied).
	Dial string
}

// FindOutbound returns the first outbound route, in config order, that has a
// pattern matching number and that the account fromExt may use. A route whose
// Strip would leave nothing to dial (Dial == "") is passed over. The error
// wraps ErrUnknownAccount, ErrNoRoute or ErrNotAllowed (naming the first
// matching route the account may not use).
func FindOutbound(cfg config.Config, fromExt, number string) (Outbound, error) {
	acct, ok := cfg.Account(fromExt)
	if !ok {
		return Outbound{}, fmt.Errorf("%w %q", ErrUnknownAccount, fromExt)
	}
	denied := ""
	for _, r := range cfg.OutboundRoutes {
		if !matchAny(r.Patterns, number) {
			continue
		}
		dial := r.Dial(number)
		switch {
		case dial == "":
			continue
		case !acct.MayUse(r.Name):
			if denied == "" {
				denied = r.Name
			}
			continue
		}
		return Outbound{Route: r, Dial: dial}, nil
	}
	if denied != "" {
		return Outbound{}, fmt.Errorf("%w: account %q may not use route %q for %q", ErrNotAllowed, fromExt, denied, number)
	}
	return Outbound{}, fmt.Errorf("%w %q", ErrNoRoute, number)
}

// FindAnyOutbound is FindOutbound without an account: the first outbound
// route, in config order, that has a pattern matching number and leaves
// something to dial, whoever may use it (transfers an IVR makes on its own,
// as the admin configured them). The error wraps ErrNoRoute.
func FindAnyOutbound(cfg config.Config, number string) (Outbound, error) {
	for _, r := range cfg.OutboundRoutes {
		if dial := r.Dial(number); dial != "" && matchAny(r.Patterns, number) {
			return Outbound{Route: r, Dial: dial}, nil
		}
	}
	return Outbound{}, fmt.Errorf("%w %q", ErrNoRoute, number)
}

// MatchOutbound is FindOutbound in the form the PBX API uses: the route,
// the number to dial and ok, or ok false and the reason no route was found
// (the text of FindOutbound's error, e.g. `route: no outbound route matches
// "123"`).
func MatchOutbound(cfg config.Config, fromExt, number string) (route config.OutboundRoute, dial string, ok bool, reason string) {
	out, err := FindOutbound(cfg, fromExt, number)
	if err != nil {
		return config.OutboundRoute{}, "", false, err.Error()
	}
	return out.Route, out.Dial, true, ""
}

// MatchInbound returns the IVR number of the first inbound route, in config
// order, whose Trunk is "" or trunk and whose DID is "" or matches did; ok is
// false when none does.
func MatchInbound(cfg config.Config, trunk, did string) (ivr string, ok bool) {
	for _, r := range cfg.InboundRoutes {
		if r.Trunk != "" && r.Trunk != trunk {
			continue
		}
		if r.DID != "" && !matchAny([]string{r.DID}, did) {
			continue
		}
		return r.IVR, true
	}
	return "", false
}

// matchAny reports whether number matches one of patterns; patterns that do
// not compile match nothing.
func matchAny(patterns []string, number string) bool {
	for _, s := range patterns {
		if p, err := pattern.Compile(s); err == nil && p.Match(number) {
			return true
		}
	}
	return false
}
