package config

import (
	"fmt"
	"slices"
)

// Account is a local SIP account: a phone or softphone that registers to the
// box as Ext. Its OutboundRoutes are its permission to call out, like a
// PBX's "allowed outbound routes"; the PBX API's fromext names the account
// whose permission an outbound call uses. Its password is not part of the
// config: it lives in the store's secrets under AccountSecretKey(Ext), never
// exported or shown.
type Account struct {
	// Ext is the account's number and SIP user name: 1–32 digits, unique
	// among the accounts, and not an IVR's number or the service number.
	Ext string `json:"ext"`
	// Name is a label for people (the caller name); default is Ext.
	Name string `json:"name,omitempty"`
	// OutboundRoutes names the outbound routes the account may use; a route
	// not listed is never used for its calls. Empty: no outbound calls.
	OutboundRoutes []string `json:"outbound_routes,omitempty"`
}

// AccountSecretKey is the store secrets key of an account's password: "account/<ext>".
func AccountSecretKey(ext string) string { return "account/" + ext }

// DisplayName is the account's label: Name, or Ext when empty.
func (a Account) DisplayName() string {
	if a.Name == "" {
		return a.Ext
	}
	return a.Name
}

// MayUse reports whether the account may use the outbound route named route.
func (a Account) MayUse(route string) bool { return slices.Contains(a.OutboundRoutes, route) }

// Account returns the account whose extension is ext.
func (c *Config) Account(ext string) (Account, bool) {
	for _, a := range c.Accounts {
		if a.Ext == ext {
			return a, true
		}
	}
	return Account{}, false
}

// accounts checks the accounts against the outbound route names, the IVR
// numbers and the service number.
func (v *validator) accounts(accounts []Account, routes map[string]int, service string) {
	if len(accounts) > MaxAccounts {
		v.add("accounts", "%d accounts, the limit is %d", len(accounts), MaxAccounts)
	}
	exts := make(map[string]int, len(accounts))
	for n, a := range accounts {
		p := fmt.Sprintf("accounts[%d]", n)
		switch ext := a.Ext; {
		case ext == "":
			v.add(p+".ext", "is required")
		case len(ext) > MaxNumberLen || !allDigits(ext):
			v.add(p+".ext", "%q must be 1 to %d digits", ext, MaxNumberLen)
		case ext == service:
			v.add(p+".ext", "%q is the service number", ext)
		default:
			if i, clash := v.numbers[ext]; clash {
				v.add(p+".ext", "%q is also the number of ivrs[%d]", ext, i)
			} else if first, dup := exts[ext]; dup {
				v.add(p+".ext", "%q is also the ext of accounts[%d]", ext, first)
			} else {
				exts[ext] = n
			}
		}
		v.label(p+".name", a.Name)
		if len(a.OutboundRoutes) > MaxRoutes {
			v.add(p+".outbound_routes", "%d routes, the limit is %d", len(a.OutboundRoutes), MaxRoutes)
		}
		v.refs(p+".outbound_routes", a.OutboundRoutes, routes, "outbound route")
	}
}

// telephony checks trunks, routes and accounts, and the references between
// them and to the IVRs (whose numbers must be known already).
func (v *validator) telephony(c Config) {
	trunks := v.trunks(c.Trunks)
	routes := v.outboundRoutes(c.OutboundRoutes, trunks)
	v.inboundRoutes(c.InboundRoutes, trunks)
	v.accounts(c.Accounts, routes, c.System.Service())
}
