package box

import (
	"net/netip"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/guard"
)

// openGuard builds the SIP abuse guard from the stored config.
func (b *Box) openGuard() {
	b.Guard = guard.New(guard.Options{Log: b.log.With("component", "guard")})
	b.applyGuard(b.Store.Config())
}

// applyGuard gives the guard the config's limits. The allow-list holds the
// configured addresses and every trunk whose host is an IP address (a
// trunk sends many calls from one address).
func (b *Box) applyGuard(c config.Config) {
	g := c.System.Guard
	allow := g.AllowPrefixes()
	for _, t := range c.Trunks {
		if a, err := netip.ParseAddr(t.Host); err == nil {
			allow = append(allow, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else if ap, err := netip.ParseAddrPort(t.Host); err == nil {
			allow = append(allow, netip.PrefixFrom(ap.Addr().Unmap(), ap.Addr().Unmap().BitLen()))
		}
	}
	b.Guard.Apply(guard.Settings{Off: g.Off,
		InviteRate: float64(g.InviteRate), InviteBurst: g.InviteBurst,
		RequestRate: float64(g.RequestRate), RequestBurst: g.RequestBurst,
		BlockFor: g.BlockFor(), Refuse: g.Refuse, Allow: allow,
		AuthFailures: g.AuthFailures, AuthWindow: g.AuthWindowFor(), AuthBanFor: g.AuthBanFor()})
}
