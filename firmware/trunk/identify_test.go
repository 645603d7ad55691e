package trunk

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

func peer(name, host string) config.Trunk {
	return config.Trunk{Name: name, Type: config.TrunkPeer, Host: host}
}

func wantFrom(t *testing.T, m *Manager, src, want string) {
	t.Helper()
	name, ok := m.Identify(netip.MustParseAddrPort(src))
	if want == "" {
		if ok {
			t.Errorf("%s identified as %s, want none", src, name)
		}
		return
	}
	if !ok || name != want {
		t.Errorf("%s: %q %v, want %s", src, name, ok, want)
	}
}

func TestIdentify(t *testing.T) {
	dns := newLookups(nil)
	dns.set("pbx.example.net", "192.0.2.7", "2001:db8::7")
	m := newTestManager(t, Options{register: (&fakeSIP{}).register, lookup: dns.lookup})
	wantFrom(t, m, "10.0.0.1:5060", "") // nothing applied yet
	reg := config.Trunk{Name: "prov", Type: config.TrunkRegister, Host: "10.0.0.1:5080", User: "u"}
	m.Apply(trunks(peer("office", "10.0.0.1"), reg, peer("pbx", "pbx.example.net:5070"),
		peer("v6", "[2001:db8::1]:5062"), peer("dead", "nowhere.example.net")))

	wantFrom(t, m, "10.0.0.1:5060", "office")
	wantFrom(t, m, "10.0.0.1:5080", "prov")          // the port decides between trunks on one IP
	wantFrom(t, m, "10.0.0.1:40000", "office")       // no port matches: the first of them
	wantFrom(t, m, "[::ffff:10.0.0.1]:5080", "prov") // IPv4-mapped
	wantFrom(t, m, "192.0.2.7:5060", "pbx")          // any port of a trunk's only address
	wantFrom(t, m, "[2001:db8::7]:5070", "pbx")
	wantFrom(t, m, "[2001:db8::1]:5062", "v6")
	wantFrom(t, m, "[fe80::1%eth0]:5060", "")
	wantFrom(t, m, "10.0.0.2:5060", "")

	// The order of the config decides when no port matches.
	m.Apply(trunks(reg, peer("office", "10.0.0.1")))
	wantFrom(t, m, "10.0.0.1:40000", "prov")
	wantFrom(t, m, "10.0.0.1:5060", "office")
	m.Apply(trunks(reg))
	wantFrom(t, m, "10.0.0.1:5060", "prov") // one trunk at the IP: any port
	wantFrom(t, m, "192.0.2.7:5060", "")    // removed
}

// TestIdentifyResolution: host names are looked up by Apply and again by
// the refresher; a failed lookup keeps the addresses a name had.
func TestIdentifyResolution(t *testing.T) {
	dns := newLookups(nil)
	dns.set("pbx.example.net", "192.0.2.7")
	m := newTestManager(t, Options{lookup: dns.lookup, refresh: 10 * time.Millisecond})
	m.Apply(trunks(peer("pbx", "pbx.example.net")))
	wantFrom(t, m, "192.0.2.7:5060", "pbx")

	dns.set("pbx.example.net", "192.0.2.8")
	eventually(t, "the new address", func() bool { _, ok := m.Identify(netip.MustParseAddrPort("192.0.2.8:5060")); return ok })
	wantFrom(t, m, "192.0.2.7:5060", "")

	dns.setFail(true)
	n := dns.count.Load()
	eventually(t, "failed lookups", func() bool { return dns.count.Load() > n+2 })
	wantFrom(t, m, "192.0.2.8:5060", "pbx") // kept
	m.Apply(trunks(peer("pbx", "pbx.example.net")))
	wantFrom(t, m, "192.0.2.8:5060", "pbx")
}

// TestRefreshReapplies: with Options.Config the refresher re-applies the
// config, which picks up a password changed after the config was applied.
func TestRefreshReapplies(t *testing.T) {
	fs := &fakeSIP{}
	sec := newSecrets(config.TrunkSecretKey("alt"), "old")
	cfg := trunks(alt)
	m := newTestManager(t, Options{Config: func() config.Config { return cfg }, Secret: sec.Secret,
		register: fs.register, refresh: 10 * time.Millisecond})
	m.Apply(cfg)
	sec.set(config.TrunkSecretKey("alt"), "new")
	eventually(t, "the re-registration", func() bool { return len(fs.all()) == 2 })
	if pw := fs.last(t, "77").opts.Password; pw != "new" {
		t.Errorf("password %q", pw)
	}
}

func BenchmarkIdentify(b *testing.B) {
	m := New(Options{Log: testLog()})
	defer m.Close()
	var ts []config.Trunk
	for i := range 64 {
		ts = append(ts, peer("t"+string(rune('a'+i%26))+string(rune('a'+i/26)), netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}).String()))
	}
	m.Apply(trunks(ts...))
	src := netip.MustParseAddrPort("10.0.0.63:5060")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := m.Identify(src); !ok {
			b.Fatal("not identified")
		}
	}
}
