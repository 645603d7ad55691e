package config

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Limits of the telephony sections, checked by Validate.
const (
	MaxTrunks        = 64   // trunks per box
	MaxAccounts      = 1000 // local SIP accounts per box
	MaxRoutes        = 200  // inbound routes, and outbound routes, per box
	MaxRoutePatterns = 32   // patterns in one outbound route
	MaxRouteTrunks   = 8    // trunks (failover order) in one outbound route
	MaxIDLen         = 32   // bytes in a trunk or route name
	MinExpiry        = 60   // Trunk.Expiry, seconds (when not 0)
	MaxExpiry        = 3600 // Trunk.Expiry, seconds
)

// Trunk defaults.
const (
	DefaultTransport = TransportUDP // Trunk.Transport
	DefaultExpiry    = 300          // Trunk.Expiry, seconds
	DefaultSIPPort   = "5060"       // port of Trunk.Host when none is given
	DefaultSIPSPort  = "5061"       // port of Trunk.Host when none is given, over TLS
)

// TrunkType says how a trunk is reached.
type TrunkType string

// The trunk types.
const (
	// TrunkRegister registers to the provider's Host as User (digest
	// authentication with the trunk's password) and keeps the registration
	// fresh every Expiry seconds.
	TrunkRegister TrunkType = "register"
	// TrunkPeer exchanges calls with Host without registering; calls from
	// Host are taken as coming from this trunk.
	TrunkPeer TrunkType = "peer"
)

// The transports a trunk can use.
const (
	TransportUDP = "udp"
	TransportTCP = "tcp"
	TransportTLS = "tls"
)

// Trunk is a SIP trunk to a provider or another PBX: where outbound routes
// send calls and where inbound calls come from. Its password is not part of
// the config: it lives in the store's secrets under TrunkSecretKey(Name),
// never exported or shown.
type Trunk struct {
	// Name identifies the trunk in routes and events: 1–32 ASCII letters,
	// digits, -, _ or . (not first), unique among the trunks. Dots let a
	// trunk be named by its host or address, as the vendor's are (the PBX
	// seed's trunk "192.168.9.121").
	Name string `json:"name"`
	// Type is TrunkRegister or TrunkPeer. Required.
	Type TrunkType `json:"type"`
	// Host is the provider's SIP server: host or host:port (port 5060 when
	// none is given, 5061 over TLS). Required. Over TLS its host part is
	// the name the server's certificate must carry (sent as SNI).
	Host string `json:"host"`
	// Transport is "udp", "tcp" or "tls"; "" means udp.
	Transport string `json:"transport,omitempty"`
	// CAPEM is, for transport tls, the PEM of the CA certificate(s) that
	// verify the provider's certificate; "" means the system's roots. At
	// most MaxCAPEM bytes; public certificates only (never a key).
	CAPEM string `json:"ca_pem,omitempty"`
	// User is the account at the provider: the user of the REGISTER's
	// To/From and of the digest login. Required for register trunks.
	User string `json:"user,omitempty"`
	// AuthUser is the digest login name when it differs from User; "" means User.
	AuthUser string `json:"auth_user,omitempty"`
	// Domain is the SIP domain (realm of the addresses) when it differs from
	// Host's host part; "" means Host without its port.
	Domain string `json:"domain,omitempty"`
	// FromUser is the user of the From header of outbound calls (the caller
	// id the provider sees); "" means User.
	FromUser string `json:"from_user,omitempty"`
	// Expiry is the registration lifetime asked for, in seconds, 60–3600;
	// 0 means 300. Register trunks only (0 for peers).
	Expiry int `json:"expiry,omitempty"`
	// MediaEncryption is SRTP for calls placed through the trunk:
	// EncryptionOff, EncryptionOptional or EncryptionRequired; "" means off.
	MediaEncryption string `json:"media_encryption,omitempty"`
	// ReferOut lets a caller's REFER (a transfer the caller asks for) dial
	// out through this trunk. Zero value: a REFER reaches IVRs and local
	// accounts only, unless the caller's IVR allows more (IVR.ReferOut).
	ReferOut bool `json:"refer_out,omitempty"`
}

// TrunkSecretKey is the store secrets key of a trunk's password: "trunk/<name>".
func TrunkSecretKey(name string) string { return "trunk/" + name }

// Net is the trunk's transport: Transport, or "udp" when empty.
func (t Trunk) Net() string {
	if t.Transport == "" {
		return DefaultTransport
	}
	return t.Transport
}

// Addr is Host as host:port, with port 5060 (5061 over TLS) when Host has
// none.
func (t Trunk) Addr() string {
	if _, _, err := net.SplitHostPort(t.Host); err == nil {
		return t.Host
	}
	port := DefaultSIPPort
	if t.Net() == TransportTLS {
		port = DefaultSIPSPort
	}
	return net.JoinHostPort(strings.Trim(t.Host, "[]"), port)
}

// ServerName is Host without its port: over TLS, the name the provider's
// certificate must carry.
func (t Trunk) ServerName() string {
	if h, _, err := net.SplitHostPort(t.Host); err == nil {
		return h
	}
	return strings.Trim(t.Host, "[]")
}

// Realm is the SIP domain of the trunk's addresses: Domain, or Host
// without its port.
func (t Trunk) Realm() string {
	if t.Domain != "" {
		return t.Domain
	}
	if h, _, err := net.SplitHostPort(t.Host); err == nil {
		return h
	}
	return strings.Trim(t.Host, "[]")
}

// AuthName is the digest login name: AuthUser, or User when empty.
func (t Trunk) AuthName() string {
	if t.AuthUser != "" {
		return t.AuthUser
	}
	return t.User
}

// CallerUser is the From user of outbound calls: FromUser, or User when empty.
func (t Trunk) CallerUser() string {
	if t.FromUser != "" {
		return t.FromUser
	}
	return t.User
}

// RegisterExpiry is the registration lifetime to ask for: Expiry seconds, or
// 300 s when zero.
func (t Trunk) RegisterExpiry() time.Duration {
	if t.Expiry <= 0 {
		return DefaultExpiry * time.Second
	}
	return seconds(t.Expiry)
}

// Trunk returns the trunk named name.
func (c *Config) Trunk(name string) (Trunk, bool) {
	for _, t := range c.Trunks {
		if t.Name == name {
			return t, true
		}
	}
	return Trunk{}, false
}

// trunks checks the trunks and returns their names (→ index).
func (v *validator) trunks(trunks []Trunk) map[string]int {
	if len(trunks) > MaxTrunks {
		v.add("trunks", "%d trunks, the limit is %d", len(trunks), MaxTrunks)
	}
	names := make(map[string]int, len(trunks))
	for n, t := range trunks {
		p := fmt.Sprintf("trunks[%d]", n)
		v.trunkName(p+".name", t.Name, names, n)
		switch t.Type {
		case TrunkRegister:
			if t.User == "" {
				v.add(p+".user", "is required for type register")
			}
			if t.Expiry != 0 && (t.Expiry < MinExpiry || t.Expiry > MaxExpiry) {
				v.add(p+".expiry", "%d must be %d to %d seconds (0 means %d)", t.Expiry, MinExpiry, MaxExpiry, DefaultExpiry)
			}
		case TrunkPeer:
			if t.Expiry != 0 {
				v.add(p+".expiry", "must be 0 for type peer (peers do not register)")
			}
		case "":
			v.add(p+".type", "is required (register or peer)")
		default:
			v.add(p+".type", "unknown trunk type %q (register or peer)", string(t.Type))
		}
		if msg := ServerProblem(t.Host); msg != "" {
			v.add(p+".host", "%s", msg)
		}
		v.trunkTransport(p, t)
		v.encryption(p+".media_encryption", t.MediaEncryption)
		v.sipUser(p+".user", t.User)
		v.sipUser(p+".auth_user", t.AuthUser)
		v.sipUser(p+".from_user", t.FromUser)
		if t.Domain != "" && !hostName(t.Domain) {
			v.add(p+".domain", "%q must be a host name or IP address, without a port", t.Domain)
		}
	}
	return names
}

// idRune reports whether r may be in a route name.
func idRune(r rune) bool {
	return r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// id checks a name that other sections refer to and records it in seen.
func (v *validator) id(p, name string, seen map[string]int, n int, list string) {
	if name != "" && (len(name) > MaxIDLen || strings.ContainsFunc(name, func(r rune) bool { return !idRune(r) })) {
		v.add(p, "%q must be 1 to %d letters, digits, - or _", name, MaxIDLen)
		return
	}
	v.unique(p, name, seen, n, list)
}

// trunkName checks a trunk's name, which may also hold dots (a host name or
// an IP address, like the vendor's trunk names), though not first: "." and
// ".." would be path steps in the admin API's trunks/{name}.
func (v *validator) trunkName(p, name string, seen map[string]int, n int) {
	if name != "" && (len(name) > MaxIDLen || name[0] == '.' ||
		strings.ContainsFunc(name, func(r rune) bool { return r != '.' && !idRune(r) })) {
		v.add(p, "%q must be 1 to %d letters, digits, - _ or . (not first)", name, MaxIDLen)
		return
	}
	v.unique(p, name, seen, n, "trunks")
}

// unique checks that name is given and not in seen, and records it there.
func (v *validator) unique(p, name string, seen map[string]int, n int, list string) {
	if name == "" {
		v.add(p, "is required")
		return
	}
	if first, dup := seen[name]; dup {
		v.add(p, "%q is also the name of %s[%d]", name, list, first)
		return
	}
	seen[name] = n
}

// sipUser checks the user part of a SIP address (empty is allowed).
func (v *validator) sipUser(p, s string) {
	if len(s) > 64 || strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`@:<>"\;?`, r)
	}) {
		v.add(p, "%q must be at most 64 printable ASCII characters, without spaces or @ : < > \" \\ ; ?", s)
	}
}

// hostName reports whether s is an IP address or a DNS name.
func hostName(s string) bool {
	if net.ParseIP(strings.Trim(s, "[]")) != nil {
		return true
	}
	if len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || strings.ContainsFunc(label, func(r rune) bool {
			return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			return false
		}
	}
	return true
}
