package admin

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/guard"
)

// fakeGuard is a guard with one block and one ban.
type fakeGuard struct{ blocked, banned bool }

func (g *fakeGuard) Blocks() []guard.Block {
	var out []guard.Block
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if g.blocked {
		out = append(out, guard.Block{Source: netip.MustParseAddr("192.0.2.9"), Reason: "invite rate", Since: t, Until: t.Add(time.Minute), Dropped: 7})
	}
	if g.banned {
		out = append(out, guard.Block{User: "1000", Reason: "auth failures", Since: t, Until: t.Add(time.Minute)})
	}
	return out
}

func (g *fakeGuard) Unblock(a netip.Addr) bool {
	was := g.blocked && a == netip.MustParseAddr("192.0.2.9")
	g.blocked = g.blocked && !was
	return was
}

func (g *fakeGuard) Unban(u string) bool {
	was := g.banned && u == "1000"
	g.banned = g.banned && !was
	return was
}

func TestBlocksListAndLift(t *testing.T) {
	g := &fakeGuard{blocked: true, banned: true}
	e := newEnv(t, envOpts{guard: g})
	me := e.login()
	e.do(me, "GET", "blocks", nil).want(t, http.StatusOK)
	var out struct {
		Blocks []blockJSON `json:"blocks"`
	}
	e.do(me, "GET", "blocks", nil).want(t, http.StatusOK).decode(t, &out)
	if len(out.Blocks) != 2 || out.Blocks[0].Source != "192.0.2.9" || out.Blocks[0].Dropped != 7 || out.Blocks[1].User != "1000" {
		t.Fatalf("blocks %+v", out.Blocks)
	}
	e.do(me, "DELETE", "blocks/sources/not-an-ip", nil).want(t, http.StatusBadRequest)
	e.do(me, "DELETE", "blocks/sources/192.0.2.9", nil).want(t, http.StatusNoContent)
	e.do(me, "DELETE", "blocks/sources/192.0.2.9", nil).want(t, http.StatusNotFound)
	e.do(me, "DELETE", "blocks/users/1000", nil).want(t, http.StatusNoContent)
	e.do(me, "GET", "blocks", nil).want(t, http.StatusOK).decode(t, &out)
	if len(out.Blocks) != 0 {
		t.Errorf("blocks after the lifts: %+v", out.Blocks)
	}
}
