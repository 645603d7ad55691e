package admin

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/ivrbox/ivrbox/firmware/guard"
)

// Guard is the SIP abuse guard (a *guard.Guard): the sources it blocked
// and the accounts it banned, listed and lifted here.
type Guard interface {
	Blocks() []guard.Block
	Unblock(src netip.Addr) bool
	Unban(user string) bool
}

var _ Guard = (*guard.Guard)(nil)

// blockJSON is one block or ban in GET blocks.
type blockJSON struct {
	Source  string    `json:"source,omitempty"` // the blocked address
	User    string    `json:"user,omitempty"`   // or the banned account
	Reason  string    `json:"reason"`           // "invite rate", "request rate", "auth failures"
	Since   time.Time `json:"since"`
	Until   time.Time `json:"until"`
	Dropped uint64    `json:"dropped"` // requests and packets refused since
}

// guardRoutes are the block list's endpoints.
func (a *API) guardRoutes() []route {
	return []route{
		{"GET", "blocks", false, a.getBlocks},
		{"DELETE", "blocks/sources/{id}", false, a.deleteBlock},
		{"DELETE", "blocks/users/{name}", false, a.deleteBan},
	}
}

// guard is Options.Guard, or a 501 error when the box has none.
func (a *API) guard() (Guard, error) {
	if a.opt.Guard == nil {
		return nil, httpErr(http.StatusNotImplemented, "this box has no SIP guard")
	}
	return a.opt.Guard, nil
}

// getBlocks lists the blocks and bans in force, oldest first.
func (a *API) getBlocks(w http.ResponseWriter, r *http.Request) error {
	g, err := a.guard()
	if err != nil {
		return err
	}
	out := []blockJSON{}
	for _, b := range g.Blocks() {
		j := blockJSON{User: b.User, Reason: b.Reason, Since: b.Since.UTC(), Until: b.Until.UTC(), Dropped: b.Dropped}
		if b.Source.IsValid() {
			j.Source = b.Source.String()
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"blocks": out})
	return nil
}

// deleteBlock lifts a source's block (404 if it is not blocked).
func (a *API) deleteBlock(w http.ResponseWriter, r *http.Request) error {
	g, err := a.guard()
	if err != nil {
		return err
	}
	addr, err := netip.ParseAddr(r.PathValue("id"))
	if err != nil {
		return httpErr(http.StatusBadRequest, "%q is not an IP address", clipped(r.PathValue("id")))
	}
	if !g.Unblock(addr) {
		return httpErr(http.StatusNotFound, "%s is not blocked", addr)
	}
	a.log.Info("admin: SIP source unblocked", "source", addr.String())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteBan lifts an account's ban (404 if it is not banned).
func (a *API) deleteBan(w http.ResponseWriter, r *http.Request) error {
	g, err := a.guard()
	if err != nil {
		return err
	}
	user := r.PathValue("name")
	if !g.Unban(user) {
		return httpErr(http.StatusNotFound, "account %q is not banned", clipped(user))
	}
	a.log.Info("admin: SIP account unbanned", "user", clipped(user))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// clipped shortens a path value for an error or a log line.
func clipped(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
