package fork

import (
	"context"
	"net/netip"
	"strings"
	"testing"
)

// fuzzResolver resolves every name to one documentation address, so the
// fuzzer never touches the network.
type fuzzResolver struct{}

func (fuzzResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("192.0.2.99")}, nil
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"udp://172.16.200.17:33121",
		"UDP://10.0.0.1:5004",
		"udp://[2001:db8::1]:4000",
		"udp://[::ffff:1.2.3.4]:9",
		"udp://[fe80::1%eth0]:4000",
		"udp://media.example:5004",
		"udp://127.1:4000",
		"udp://1.2.3.4:0",
		"udp://1.2.3.4:65536",
		"udp://user@1.2.3.4:5",
		"udp://1.2.3.4:5/path?q#f",
		"tcp://1.2.3.4:5",
		"udp:// 1.2.3.4:5",
		"udp://[::1",
		"udp://::1:5",
		"",
	} {
		f.Add(s)
	}
	p := Parser{Resolver: fuzzResolver{}}
	f.Fuzz(func(t *testing.T, s string) {
		ap, err := p.Parse(context.Background(), s)
		if err != nil {
			if ap.IsValid() {
				t.Fatalf("%q: an address with the error %v", s, err)
			}
			return
		}
		a := ap.Addr()
		switch {
		case !a.IsValid(), ap.Port() == 0, a.Zone() != "", a.Is4In6():
			t.Fatalf("%q: bad result %v", s, ap)
		case len(s) < 6 || !strings.EqualFold(s[:6], "udp://"):
			t.Fatalf("%q: accepted without udp://", s)
		case strings.ContainsAny(s[6:], " \t\r\n@/?#"):
			t.Fatalf("%q: accepted with a forbidden character", s)
		}
		// What Parse returns parses back to itself.
		again, err := p.Parse(context.Background(), "udp://"+ap.String())
		if err != nil || again != ap {
			t.Fatalf("%q: %v does not parse back: %v, %v", s, ap, again, err)
		}
		_ = Policy{}.Check(ap)
	})
}
