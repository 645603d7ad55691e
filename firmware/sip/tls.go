package sip

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Connection bounds of the TCP and TLS listeners (Options zero values).
const (
	DefaultMaxConns         = 1024
	DefaultIdleTimeout      = time.Hour
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultFirstMessageTimeout: a client that connects sends its
	// request at once; a connection silent for this long is closed.
	DefaultFirstMessageTimeout = 10 * time.Second
)

// errBadCA reports a CA PEM with no certificate in it.
var errBadCA = errors.New("no certificate in the CA PEM")

// trustStore says which roots verify the certificate of each server name
// the box dials over TLS: the CA the last dial or registration to that
// name gave (a trunk's uploaded CA), or the system's roots
// (Options.TLSRoots in tests) when it gave none. Trunks sharing a host
// should share its CA. A change applies to new connections; one already
// verified is reused until it closes.
type trustStore struct {
	roots *x509.CertPool // nil: the system's roots

	mu     sync.Mutex        // guards the fields below
	byName map[string]caPool // server name (lower case) → its roots
}

// caPool is the roots of one server name and the digest of their PEM.
type caPool struct {
	digest [sha256.Size]byte // zero: the default roots
	pool   *x509.CertPool    // nil: the default roots
}

// add records that name is verified with caPEM (empty: the default roots).
func (t *trustStore) add(name, caPEM string) error {
	var cp caPool
	if len(caPEM) > 0 {
		cp.digest = sha256.Sum256([]byte(caPEM))
		t.mu.Lock()
		old, ok := t.byName[strings.ToLower(name)]
		t.mu.Unlock()
		if ok && old.digest == cp.digest {
			return nil // parsed already
		}
		cp.pool = x509.NewCertPool()
		if !cp.pool.AppendCertsFromPEM([]byte(caPEM)) {
			return fmt.Errorf("sip: TLS CA for %q: %w", name, errBadCA)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byName == nil {
		t.byName = make(map[string]caPool)
	}
	t.byName[strings.ToLower(name)] = cp
	return nil
}

// pool returns the roots that verify name.
func (t *trustStore) pool(name string) *x509.CertPool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cp := t.byName[strings.ToLower(name)]; cp.pool != nil {
		return cp.pool
	}
	return t.roots
}

// verify checks a TLS server's certificate: valid for its name and
// signed by the roots recorded for that name. The name is the SNI we sent,
// or, for a server dialled by IP address (crypto/tls sends no SNI and
// reports no name then), any IP address we dial over TLS.
func (t *trustStore) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("sip: TLS server sent no certificate")
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	label, names := fmt.Sprintf("%q", cs.ServerName), []string{cs.ServerName}
	if cs.ServerName == "" {
		label, names = "(by IP address)", t.ipNames()
	}
	var chainErr error
	for _, name := range names {
		if leaf.VerifyHostname(name) != nil {
			continue
		}
		_, chainErr = leaf.Verify(x509.VerifyOptions{Roots: t.pool(name), Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if chainErr == nil {
			return nil
		}
	}
	if chainErr != nil {
		return fmt.Errorf("sip: TLS server %s: %w", label, chainErr)
	}
	return fmt.Errorf("sip: TLS server %s: its certificate is for %s, not %s", label, certNames(leaf), strings.Join(names, ", "))
}

// certNames lists the names a certificate is valid for.
func certNames(c *x509.Certificate) string {
	names := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no name (CN " + c.Subject.CommonName + ")"
	}
	return strings.Join(names, ", ")
}

// ipNames returns the IP addresses recorded as TLS server names.
func (t *trustStore) ipNames() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for n := range t.byName {
		if _, err := netip.ParseAddr(n); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// clientTLS is the configuration sipgo dials TLS with: the name to check
// is sent as SNI (sipgo sets ServerName to the destination's host), and the
// chain is verified by t (crypto/tls's own check is off because each name
// may have its own CA).
func clientTLS(t *trustStore) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true, VerifyConnection: t.verify}
}

// tlsDestination is where a TLS request to name:port goes: the name itself
// (sipgo resolves it and sends it as SNI), so the certificate is checked
// against it.
func tlsDestination(name string, port uint16) string {
	if port == 0 {
		port = 5061
	}
	return net.JoinHostPort(strings.Trim(name, "[]"), fmt.Sprint(port))
}

// tlsTarget points a TLS request at the name its server's certificate is
// checked against (see DialOptions.ServerName) and records the CA that
// verifies it. reuse: the caller gave an explicit destination.
func (s *Server) tlsTarget(req *sipmsg.Request, target sipmsg.Uri, dest netip.AddrPort, reuse bool, name, caPEM string) error {
	if name == "" && reuse {
		return nil
	}
	if name == "" {
		name = target.Host
	}
	if err := s.trust.add(strings.Trim(name, "[]"), caPEM); err != nil {
		return err
	}
	req.SetDestination(tlsDestination(name, dest.Port()))
	return nil
}

// defaultPort adds the transport's default port (5061 over TLS, else 5060)
// to a host without one.
func defaultPort(hostport, transport string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	port := "5060"
	if transport == "TLS" {
		port = "5061"
	}
	return net.JoinHostPort(strings.Trim(hostport, "[]"), port)
}
