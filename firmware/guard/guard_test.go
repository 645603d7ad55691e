package guard

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newTest(s Settings) (*Guard, *clock) { // a guard on a test clock
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	g := New(Options{Now: c.now, MaxSources: 64})
	g.Apply(s)
	return g, c
}

var (
	flooder = netip.MustParseAddr("127.0.0.3")
	caller  = netip.MustParseAddr("127.0.0.2")
)

func TestInviteFloodBlocked(t *testing.T) {
	g, c := newTest(Settings{InviteRate: 10, InviteBurst: 20, BlockFor: time.Minute})
	passed := 0
	for range 500 { // 500 INVITEs in one second
		if g.Request(flooder, "INVITE") == Pass {
			passed++
		}
		c.add(2 * time.Millisecond)
	}
	if passed != 20 { // the burst: the 21st comes before a token is back, and blocks
		t.Errorf("%d INVITEs passed, want 20", passed)
	}
	if !g.Blocked(flooder) || g.Blocked(caller) || g.Request(caller, "INVITE") != Pass {
		t.Fatal("the flooder is not blocked, or the caller is")
	}
	bs := g.Blocks()
	if len(bs) != 1 || bs[0].Source != flooder || bs[0].Reason != "invite rate" || bs[0].Dropped < 400 {
		t.Fatalf("blocks %+v", bs)
	}
	c.add(time.Minute)
	if g.Blocked(flooder) || g.Request(flooder, "INVITE") != Pass || len(g.Blocks()) != 0 {
		t.Error("the block did not end after BlockFor")
	}
}

func TestSteadyCallerNotBlocked(t *testing.T) {
	g, c := newTest(Settings{})
	for i := range 1000 { // 10 INVITEs and 40 other requests a second, for 20 s
		m := "OPTIONS"
		if i%5 == 0 {
			m = "INVITE"
		}
		if v := g.Request(caller, m); v != Pass {
			t.Fatalf("request %d: %v", i, v)
		}
		c.add(20 * time.Millisecond)
	}
}

func TestRequestRateRefuseUnblockAllow(t *testing.T) {
	g, _ := newTest(Settings{RequestRate: 1, RequestBurst: 3, Refuse: true,
		Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	for range 3 {
		g.Request(flooder, "OPTIONS")
	}
	if v := g.Request(flooder, "OPTIONS"); v != Refuse {
		t.Fatalf("verdict %v, want Refuse", v)
	}
	if !g.Unblock(flooder) || g.Blocked(flooder) || g.Unblock(flooder) {
		t.Error("Unblock did not lift the block once")
	}
	trunk := netip.MustParseAddr("10.1.2.3")
	for range 100 {
		if g.Request(trunk, "INVITE") != Pass {
			t.Fatal("an allowed address was limited")
		}
	}
	if g.Request(netip.MustParseAddr("::ffff:10.1.2.3"), "INVITE") != Pass {
		t.Error("a v4-mapped allowed address was limited")
	}
	for range 100 {
		if g.Request(netip.MustParseAddr("127.0.0.1"), "OPTIONS") != Pass || g.Request(netip.IPv6Loopback(), "OPTIONS") != Pass {
			t.Fatal("the box's own loopback address was limited")
		}
	}
}

func TestOff(t *testing.T) {
	g, _ := newTest(Settings{Off: true, RequestBurst: 1})
	for range 10 {
		g.AuthFailed(flooder, "alice")
		if g.Request(flooder, "INVITE") != Pass || g.AuthBanned(flooder, "alice") {
			t.Fatal("an Off guard refused")
		}
	}
}

func TestBoundedMaps(t *testing.T) {
	g, c := newTest(Settings{InviteBurst: 1, InviteRate: 0.001})
	for i := range 10000 { // spoofed sources, each blocked at its second INVITE
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		g.Request(a, "INVITE")
		g.Request(a, "INVITE")
		g.AuthFailed(a, fmt.Sprint("u", i))
		c.add(time.Microsecond)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.sources) > 64 || len(g.blocks) > 64 || len(g.fails) > 64 || len(g.bans) > 64 {
		t.Errorf("maps grew: %d sources, %d blocks, %d failure counts, %d bans",
			len(g.sources), len(g.blocks), len(g.fails), len(g.bans))
	}
}

func TestAuthBan(t *testing.T) {
	g, c := newTest(Settings{AuthFailures: 5, AuthWindow: time.Minute, AuthBanFor: 10 * time.Minute})
	other := netip.MustParseAddr("127.0.0.9")
	for range 4 {
		g.AuthFailed(flooder, "alice")
	}
	if g.AuthBanned(flooder, "alice") || g.AuthBanned(other, "alice") {
		t.Fatal("banned before the limit")
	}
	g.AuthFailed(flooder, "alice")
	if !g.AuthBanned(flooder, "bob") || !g.AuthBanned(other, "alice") || g.AuthBanned(other, "bob") {
		t.Fatal("the source or the account is not banned, or too much is")
	}
	if len(g.Blocks()) != 2 {
		t.Errorf("blocks %+v", g.Blocks())
	}
	c.add(10 * time.Minute)
	if g.AuthBanned(flooder, "alice") || g.AuthBanned(other, "alice") {
		t.Error("the ban did not end")
	}
}

func TestAuthWindowAndSuccess(t *testing.T) {
	g, c := newTest(Settings{AuthFailures: 3, AuthWindow: time.Minute})
	g.AuthFailed(caller, "alice")
	g.AuthFailed(caller, "alice")
	g.AuthOK(caller, "alice") // the user typed it right: start again
	g.AuthFailed(caller, "alice")
	g.AuthFailed(caller, "alice")
	c.add(time.Minute) // the window passed: start again
	g.AuthFailed(caller, "alice")
	if g.AuthBanned(caller, "alice") {
		t.Error("banned although no 3 failures fell in one window")
	}
	if g.Unban("bob") || g.Unban("alice") {
		t.Error("Unban of an account not banned said true")
	}
}

func TestLogGate(t *testing.T) {
	var gt LogGate
	now := time.Unix(0, 0)
	n := 0
	for range 100 {
		if ok, _ := gt.Allow(now); ok {
			n++
		}
	}
	ok, held := gt.Allow(now.Add(time.Minute))
	if n != 5 || !ok || held != 95 {
		t.Errorf("let %d through, then %v with %d held; want 5, true, 95", n, ok, held)
	}
}

func BenchmarkBlocked(b *testing.B) {
	g := New(Options{})
	g.Apply(Settings{InviteBurst: 1})
	g.Request(flooder, "INVITE")
	g.Request(flooder, "INVITE")
	b.ReportAllocs()
	for b.Loop() {
		g.Blocked(flooder)
	}
}

func BenchmarkRequest(b *testing.B) {
	g := New(Options{})
	g.Apply(Settings{Off: false, Allow: nil, RequestRate: 1e9, RequestBurst: 1e9})
	b.ReportAllocs()
	for b.Loop() {
		g.Request(caller, "OPTIONS")
	}
}
