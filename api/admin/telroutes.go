package admin

import (
	"net/http"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// routesJSON is GET|PUT routes: the inbound and outbound routes, each in
// the order they are tried. Lists are never null in answers.
type routesJSON struct {
	Inbound  []config.InboundRoute  `json:"inbound"`
	Outbound []config.OutboundRoute `json:"outbound"`
}

func (a *API) getRoutes(w http.ResponseWriter, r *http.Request) error {
	cfg := a.opt.Store.Config()
	out := routesJSON{Inbound: append([]config.InboundRoute{}, cfg.InboundRoutes...),
		Outbound: make([]config.OutboundRoute, 0, len(cfg.OutboundRoutes))}
	for _, o := range cfg.OutboundRoutes {
		if o.Patterns == nil {
			o.Patterns = []string{}
		}
		if o.Trunks == nil {
			o.Trunks = []string{}
		}
		out.Outbound = append(out.Outbound, o)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// putRoutes replaces both route lists at once. Problems name the config's
// fields (outbound_routes[0].patterns[0]); an account that lists an
// outbound route no longer there is a problem too (accounts[n].outbound_routes[i]).
func (a *API) putRoutes(w http.ResponseWriter, r *http.Request) error {
	var b routesJSON
	if err := decodeJSON(w, r, maxConfigBody, &b); err != nil {
		return err
	}
	err := a.opt.Store.Update(func(c *config.Config) error {
		c.InboundRoutes, c.OutboundRoutes = b.Inbound, b.Outbound
		return nil
	})
	if err != nil {
		return storeError(err, "routes")
	}
	a.log.Info("admin: routes changed", "inbound", len(b.Inbound), "outbound", len(b.Outbound), "addr", clientAddr(r))
	return a.getRoutes(w, r)
}
