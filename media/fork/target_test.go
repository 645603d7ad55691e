package fork

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// fakeResolver answers from a map; a name it does not know fails.
type fakeResolver map[string][]netip.Addr

var errNoSuchHost = errors.New("no such host")

func (r fakeResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if network != "ip" {
		return nil, errors.New("unexpected network " + network)
	}
	if host == "slow.example" {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	a, ok := r[host]
	if !ok {
		return nil, errNoSuchHost
	}
	return a, nil
}

var testResolver = fakeResolver{
	"media.example":    {netip.MustParseAddr("2001:db8::5"), netip.MustParseAddr("192.0.2.5")},
	"v6.example":       {netip.MustParseAddr("fe80::1%eth0"), netip.MustParseAddr("2001:db8::6")},
	"mapped.example":   {netip.MustParseAddr("::ffff:192.0.2.7")},
	"empty.example":    {},
	"ASR-1":            {netip.MustParseAddr("10.1.2.3")},
	"loop.example":     {netip.MustParseAddr("127.0.0.1")},
	"a.b-c.d3.example": {netip.MustParseAddr("192.0.2.8")},
}

func TestParseTarget(t *testing.T) {
	p := Parser{Resolver: testResolver, Timeout: time.Second}
	ok := []struct{ in, want string }{
		{"udp://172.16.200.17:33121", "172.16.200.17:33121"},
		{"UDP://172.16.200.17:33122", "172.16.200.17:33122"},
		{"udp://[2001:db8::1]:4000", "[2001:db8::1]:4000"},
		{"udp://[::ffff:192.0.2.1]:4000", "192.0.2.1:4000"},
		{"udp://1.2.3.4:65535", "1.2.3.4:65535"},
		{"udp://1.2.3.4:1", "1.2.3.4:1"},
		{"udp://1.2.3.4:007", "1.2.3.4:7"},
		{"udp://127.0.0.1:5000", "127.0.0.1:5000"}, // the Policy judges it
		{"udp://media.example:5004", "192.0.2.5:5004"},
		{"udp://v6.example:5004", "[2001:db8::6]:5004"},
		{"udp://mapped.example:5004", "192.0.2.7:5004"},
		{"udp://ASR-1:9", "10.1.2.3:9"},
		{"udp://a.b-c.d3.example:9", "192.0.2.8:9"},
	}
	for _, tt := range ok {
		got, err := p.Parse(context.Background(), tt.in)
		if err != nil || got != netip.MustParseAddrPort(tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	bad := []struct {
		in, why string
		want    error
	}{
		{"", "not of the form", ErrTarget},
		{"172.16.200.17:33121", "not of the form", ErrTarget},
		{"udp:172.16.200.17:33121", "not of the form", ErrTarget},
		{"tcp://172.16.200.17:33121", "scheme", ErrTarget},
		{"rtp://172.16.200.17:33121", "scheme", ErrTarget},
		{"udp://172.16.200.17", "no port", ErrTarget},
		{"udp://172.16.200.17:", "no port", ErrTarget},
		{"udp://172.16.200.17:0", "port 0", ErrTarget},
		{"udp://172.16.200.17:65536", "above 65535", ErrTarget},
		{"udp://172.16.200.17:123456", "not a number", ErrTarget},
		{"udp://172.16.200.17:-1", "not a number", ErrTarget},
		{"udp://172.16.200.17:+80", "not a number", ErrTarget},
		{"udp://172.16.200.17:0x50", "not a number", ErrTarget},
		{"udp://:4000", "no host", ErrTarget},
		{"udp:// 172.16.200.17:33121", "space", ErrTarget},
		{" udp://172.16.200.17:33121", "space", ErrTarget},
		{"udp://172.16.200.17:33121 ", "space", ErrTarget},
		{"udp://172.16.200.17:33121\n", "control", ErrTarget},
		{"udp://172.16.200.17:33121\x00", "control", ErrTarget},
		{"udp://172.16.200.17:3312\u0661", "non-ASCII", ErrTarget},
		{"udp://user@172.16.200.17:33121", "user info", ErrTarget},
		{"udp://user:pw@172.16.200.17:33121", "user info", ErrTarget},
		{"udp://172.16.200.17:33121/", "path", ErrTarget},
		{"udp://172.16.200.17:33121/x", "path", ErrTarget},
		{"udp://172.16.200.17:33121?a=b", "query", ErrTarget},
		{"udp://172.16.200.17:33121#f", "fragment", ErrTarget},
		{"udp://2001:db8::1:4000", "brackets", ErrTarget},
		{"udp://[2001:db8::1]", "no port", ErrTarget},
		{"udp://[2001:db8::1]4000", "junk", ErrTarget},
		{"udp://[2001:db8::1:4000", "closing bracket", ErrTarget},
		{"udp://[192.0.2.1]:4000", "IPv6 addresses only", ErrTarget},
		{"udp://[zz::1]:4000", "bad IPv6", ErrTarget},
		{"udp://[]:4000", "bad IPv6", ErrTarget},
		{"udp://[fe80::1%25eth0]:4000", "zoned", ErrTarget},
		{"udp://[fe80::1%eth0]:4000", "zoned", ErrTarget},
		{"udp://127.1:4000", "bad IPv4", ErrTarget},
		{"udp://1.2.3.4.5:4000", "bad IPv4", ErrTarget},
		{"udp://01.2.3.4:4000", "bad IPv4", ErrTarget},
		{"udp://256.2.3.4:4000", "bad IPv4", ErrTarget},
		{"udp://1234:4000", "bad IPv4", ErrTarget},
		{"udp://0x7f.1:4000", "not a host name", ErrTarget},
		{"udp://-a.example:4000", "not a host name", ErrTarget},
		{"udp://a_b.example:4000", "not a host name", ErrTarget},
		{"udp://a..example:4000", "not a host name", ErrTarget},
		{"udp://media.example.:4000", "not a host name", ErrTarget},
		{"udp://" + strings.Repeat("a", 64) + ".example:4000", "not a host name", ErrTarget},
		{"udp://" + strings.Repeat("a.", 140) + "example:4000", "longer than", ErrTarget},
		{"udp://nowhere.example:4000", "no such host", ErrResolve},
		{"udp://empty.example:4000", "no addresses", ErrResolve},
	}
	for _, tt := range bad {
		got, err := p.Parse(context.Background(), tt.in)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("Parse(%q) = %v, %v; want %v saying %q", tt.in, got, err, tt.want, tt.why)
		}
		if got.IsValid() {
			t.Errorf("Parse(%q) returned an address with its error", tt.in)
		}
	}
}

// TestParseTimeout: the timeout and the context bound a lookup that never
// ends.
func TestParseTimeout(t *testing.T) {
	_, err := Parser{Resolver: testResolver, Timeout: time.Millisecond}.Parse(context.Background(), "udp://slow.example:9")
	if !errors.Is(err, ErrResolve) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("lookup past the timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Parser{Resolver: testResolver}.Parse(ctx, "udp://slow.example:9")
	if !errors.Is(err, ErrResolve) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled lookup: %v", err)
	}
}

// TestParseTargetLiteral: ParseTarget needs no resolver for addresses.
func TestParseTargetLiteral(t *testing.T) {
	got, err := ParseTarget("udp://192.0.2.1:4000")
	if err != nil || got != netip.MustParseAddrPort("192.0.2.1:4000") {
		t.Errorf("ParseTarget = %v, %v", got, err)
	}
}

// TestErrorIsShort: outside input is cut in error messages.
func TestErrorIsShort(t *testing.T) {
	_, err := ParseTarget("tcp://" + strings.Repeat("x", 200) + ":1")
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("error %q", err)
	}
}
