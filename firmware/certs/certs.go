package certs

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// Secret keys under which the certificate is stored.
const (
	KeyCert   = "tls/cert.pem" // the certificate chain, PEM, leaf first
	KeyKey    = "tls/key.pem"  // the private key, PEM
	KeySource = "tls/source"   // SourceGenerated or SourceUploaded
)

// Where the current certificate came from.
const (
	SourceGenerated = "generated" // made by the box for itself
	SourceUploaded  = "uploaded"  // uploaded by the admin
)

// RenewBefore is how long before its expiry a generated certificate is
// replaced by a new one.
const RenewBefore = 30 * 24 * time.Hour

// Validity is the lifetime of a generated certificate.
const Validity = 397 * 24 * time.Hour

// ErrInvalid is wrapped by the errors that refuse an uploaded pair; the
// message says what is wrong with it.
var ErrInvalid = errors.New("invalid certificate")

// Secrets is where the certificate and key are kept (a *store.Store).
type Secrets interface {
	Secret(key string) (string, error)
	SetSecret(key, value string) error
}

// Options configures a Manager. Zero values are the documented defaults.
type Options struct {
	// Secrets keeps the PEM pair; required.
	Secrets Secrets
	// Hostname is put in the generated certificate's DNS names (with
	// Hostname+".local"); "" leaves it out.
	Hostname string
	// Serial is the board's serial number, put in the generated
	// certificate's subject; "" leaves it out.
	Serial string
	// IPs are the addresses put in a generated certificate besides
	// 127.0.0.1 and ::1; nil: the host's interface addresses (LANIPs).
	IPs []net.IP
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Log hears about generation and renewal (nil: discard).
	Log *slog.Logger
}

// Info describes the current certificate.
type Info struct {
	Fingerprint string    `json:"fingerprint"` // SHA-256 of the leaf's DER, hex pairs joined by ':'
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	DNSNames    []string  `json:"dns_names"`
	IPs         []string  `json:"ips"`
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	Source      string    `json:"source"` // SourceGenerated or SourceUploaded
	SelfSigned  bool      `json:"self_signed"`
}

// Manager holds the box's current certificate.
type Manager struct {
	opt Options
	log *slog.Logger

	mu     sync.Mutex // guards cur, source
	cur    *tls.Certificate
	source string
}

// Open loads the stored certificate, or makes and stores one when there is
// none, when the stored one cannot be read, or when a generated one is due
// for renewal.
func Open(opt Options) (*Manager, error) {
	if opt.Secrets == nil {
		return nil, errors.New("certs: no secrets store")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{opt: opt, log: opt.Log}
	if err := m.load(); err != nil {
		m.log.Warn("stored certificate unusable; making a new one", "err", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil {
		if _, err := m.generateLocked(); err != nil {
			return nil, err
		}
	} else if err := m.renewLocked(); err != nil {
		return nil, err
	}
	return m, nil
}

// load reads the stored pair; no stored pair is not an error (cur stays nil).
func (m *Manager) load() error {
	certPEM, err1 := m.opt.Secrets.Secret(KeyCert)
	keyPEM, err2 := m.opt.Secrets.Secret(KeyKey)
	if err1 != nil || err2 != nil {
		return nil
	}
	c, err := keyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		return fmt.Errorf("certs: stored pair: %w", err)
	}
	src, _ := m.opt.Secrets.Secret(KeySource)
	if src != SourceUploaded {
		src = SourceGenerated
	}
	m.mu.Lock()
	m.cur, m.source = &c, src
	m.mu.Unlock()
	return nil
}

// ServerTLS is a TLS configuration for the box's servers (HTTPS, SIP over
// TLS): TLS 1.2 or later, the current certificate read at each handshake,
// HTTP/2 and HTTP/1.1 offered by ALPN (a SIP server may set NextProtos to
// nil on its clone).
func (m *Manager) ServerTLS() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return m.Certificate(), nil
		},
	}
}

// Certificate is the current certificate, a generated one renewed first
// when it is due.
func (m *Manager) Certificate() *tls.Certificate {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.renewLocked(); err != nil {
		m.log.Error("certificate renewal failed; serving the old one", "err", err)
	}
	return m.cur
}

// Fingerprint is the SHA-256 fingerprint of the current certificate.
func (m *Manager) Fingerprint() string { return m.Info().Fingerprint }

// Info describes the current certificate.
func (m *Manager) Info() Info {
	c := m.Certificate()
	m.mu.Lock()
	src := m.source
	m.mu.Unlock()
	return infoOf(c.Leaf, src)
}

// renewLocked replaces a generated certificate that expires within
// RenewBefore. An uploaded one is kept (the admin replaces it); a warning
// is logged when it is near expiry.
func (m *Manager) renewLocked() error {
	left := m.cur.Leaf.NotAfter.Sub(m.opt.Now())
	if left > RenewBefore {
		return nil
	}
	if m.source == SourceUploaded {
		m.log.Warn("uploaded certificate expires soon; upload a new one", "not_after", m.cur.Leaf.NotAfter)
		return nil
	}
	m.log.Info("renewing the generated certificate", "not_after", m.cur.Leaf.NotAfter)
	_, err := m.generateLocked()
	return err
}

// Regenerate replaces the current certificate (generated or uploaded) by a
// newly made one.
func (m *Manager) Regenerate() (Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.generateLocked()
}

// generateLocked makes, stores and installs a new certificate.
func (m *Manager) generateLocked() (Info, error) {
	certPEM, keyPEM, err := Generate(m.template())
	if err != nil {
		return Info{}, err
	}
	c, err := keyPair(certPEM, keyPEM)
	if err != nil {
		return Info{}, fmt.Errorf("certs: generated pair: %w", err)
	}
	if err := m.saveLocked(certPEM, keyPEM, SourceGenerated, &c); err != nil {
		return Info{}, err
	}
	info := infoOf(c.Leaf, SourceGenerated)
	m.log.Info("TLS certificate generated", "fingerprint", info.Fingerprint,
		"names", strings.Join(append(slices.Clone(info.DNSNames), info.IPs...), ","), "not_after", info.NotAfter)
	return info, nil
}

// saveLocked stores the pair and makes c current.
func (m *Manager) saveLocked(certPEM, keyPEM []byte, source string, c *tls.Certificate) error {
	for _, kv := range [][2]string{{KeyKey, string(keyPEM)}, {KeyCert, string(certPEM)}, {KeySource, source}} {
		if err := m.opt.Secrets.SetSecret(kv[0], kv[1]); err != nil {
			return fmt.Errorf("certs: saving: %w", err)
		}
	}
	m.cur, m.source = c, source
	return nil
}

// Upload checks an uploaded PEM pair (CheckPair) and, when it is fit, stores
// it and serves it from the next handshake on.
func (m *Manager) Upload(certPEM, keyPEM []byte) (Info, error) {
	c, err := CheckPair(certPEM, keyPEM, m.opt.Now())
	if err != nil {
		return Info{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.saveLocked(certPEM, keyPEM, SourceUploaded, c); err != nil {
		return Info{}, err
	}
	info := infoOf(c.Leaf, SourceUploaded)
	m.log.Info("TLS certificate uploaded", "fingerprint", info.Fingerprint, "subject", info.Subject, "not_after", info.NotAfter)
	return info, nil
}

// keyPair parses a PEM pair with its Leaf set (whatever GODEBUG says).
func keyPair(certPEM, keyPEM []byte) (tls.Certificate, error) {
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err == nil && c.Leaf == nil {
		c.Leaf, err = x509.ParseCertificate(c.Certificate[0])
	}
	return c, err
}

// FingerprintOf is the SHA-256 fingerprint of a DER certificate, upper-case
// hex pairs joined by ':' (as browsers show it).
func FingerprintOf(der []byte) string {
	sum := sha256.Sum256(der)
	var b strings.Builder
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

// infoOf describes leaf.
func infoOf(leaf *x509.Certificate, source string) Info {
	ips := make([]string, 0, len(leaf.IPAddresses))
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	return Info{
		Fingerprint: FingerprintOf(leaf.Raw), Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(),
		DNSNames: slices.Clone(leaf.DNSNames), IPs: ips, NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter,
		Source: source, SelfSigned: leaf.CheckSignatureFrom(leaf) == nil,
	}
}
