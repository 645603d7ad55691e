package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// memSecrets is an in-memory Secrets.
type memSecrets struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memSecrets) Secret(k string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	if !ok {
		return "", errors.New("no secret " + k)
	}
	return v, nil
}

func (s *memSecrets) SetSecret(k, v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[k] = v
	return nil
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func open(t *testing.T, sec *memSecrets, clk *clock) *Manager {
	t.Helper()
	m, err := Open(Options{Secrets: sec, Hostname: "IVRBox-Lab", Serial: "00000000abcd1234",
		IPs: []net.IP{net.ParseIP("192.168.1.20")}, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGenerateOnFirstOpen(t *testing.T) {
	sec, clk := &memSecrets{}, &clock{t: t0}
	m := open(t, sec, clk)
	info := m.Info()
	if info.Source != SourceGenerated || !info.SelfSigned {
		t.Errorf("source %q self-signed %v", info.Source, info.SelfSigned)
	}
	for _, n := range []string{"ivrbox-lab", "ivrbox-lab.local", "localhost", "ivrbox-00000000abcd1234"} {
		if !slices.Contains(info.DNSNames, n) {
			t.Errorf("DNS names %v lack %q", info.DNSNames, n)
		}
	}
	for _, ip := range []string{"127.0.0.1", "::1", "192.168.1.20"} {
		if !slices.Contains(info.IPs, ip) {
			t.Errorf("IPs %v lack %s", info.IPs, ip)
		}
	}
	if !strings.Contains(info.Subject, "00000000abcd1234") {
		t.Errorf("subject %q lacks the serial", info.Subject)
	}
	if got := info.NotAfter.Sub(t0); got < Validity-time.Hour || got > Validity+time.Hour {
		t.Errorf("validity %v", got)
	}
	leaf := m.Certificate().Leaf
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || leaf.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P256() {
		t.Errorf("key %T, want ECDSA P-256", leaf.PublicKey)
	}
	if len(info.Fingerprint) != 32*3-1 || info.Fingerprint != FingerprintOf(leaf.Raw) || m.Fingerprint() != info.Fingerprint {
		t.Errorf("fingerprint %q", info.Fingerprint)
	}
	for _, k := range []string{KeyCert, KeyKey, KeySource} {
		if _, err := sec.Secret(k); err != nil {
			t.Errorf("not stored: %v", err)
		}
	}
}

func TestPersisted(t *testing.T) {
	sec, clk := &memSecrets{}, &clock{t: t0}
	fp := open(t, sec, clk).Fingerprint()
	if again := open(t, sec, clk).Fingerprint(); again != fp {
		t.Errorf("reopened: %s, want %s", again, fp)
	}
}

func TestCorruptStoredPairReplaced(t *testing.T) {
	sec, clk := &memSecrets{}, &clock{t: t0}
	fp := open(t, sec, clk).Fingerprint()
	_ = sec.SetSecret(KeyKey, "garbage")
	if again := open(t, sec, clk).Fingerprint(); again == fp || again == "" {
		t.Errorf("corrupt pair kept: %s", again)
	}
}

func TestRenewal(t *testing.T) {
	sec, clk := &memSecrets{}, &clock{t: t0}
	m := open(t, sec, clk)
	fp := m.Fingerprint()
	clk.add(Validity - RenewBefore - time.Hour)
	if m.Fingerprint() != fp {
		t.Fatal("renewed too early")
	}
	clk.add(2 * time.Hour)
	fp2 := m.Fingerprint()
	if fp2 == fp {
		t.Fatal("not renewed 30 days before expiry")
	}
	if got := m.Info().NotAfter; !got.After(clk.now().Add(Validity - time.Hour)) {
		t.Errorf("renewed until %v", got)
	}
	if again := open(t, sec, clk).Fingerprint(); again != fp2 {
		t.Error("the renewed certificate was not stored")
	}
	// Renewal at Open, too.
	clk.add(Validity)
	if again := open(t, sec, clk).Fingerprint(); again == fp2 {
		t.Error("an expired stored certificate was not renewed at Open")
	}
}

// issue makes a certificate for key, signed by parent (nil: self-signed).
func issue(t *testing.T, tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) []byte {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func newKey(t *testing.T) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(k)
	return k, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

func serverTmpl(notBefore, notAfter time.Time) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: "pbx.example.org"}, DNSNames: []string{"pbx.example.org"},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
}

func TestUploadAppliesWithoutRestart(t *testing.T) {
	sec, clk := &memSecrets{}, &clock{t: t0}
	m := open(t, sec, clk)
	cfg := m.ServerTLS()
	before, _ := cfg.GetCertificate(&tls.ClientHelloInfo{})

	caKey, _ := newKey(t)
	caTmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "Lab CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(3650 * 24 * time.Hour)}
	caPEM := issue(t, caTmpl, caKey, nil, nil)
	ca, _ := x509.ParseCertificate(mustBlock(t, caPEM))
	key, keyPEM := newKey(t)
	leafPEM := issue(t, serverTmpl(t0.Add(-time.Hour), t0.Add(90*24*time.Hour)), key, ca, caKey)

	info, err := m.Upload(append(leafPEM, caPEM...), keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if info.Source != SourceUploaded || info.SelfSigned || !slices.Contains(info.DNSNames, "pbx.example.org") {
		t.Errorf("info %+v", info)
	}
	after, _ := cfg.GetCertificate(&tls.ClientHelloInfo{})
	if after == before || FingerprintOf(after.Certificate[0]) != info.Fingerprint || len(after.Certificate) != 2 {
		t.Error("the same tls.Config does not serve the uploaded certificate")
	}
	// Kept across a reopen, and not renewed (uploaded) even near expiry.
	clk.add(80 * 24 * time.Hour)
	m2 := open(t, sec, clk)
	if got := m2.Info(); got.Fingerprint != info.Fingerprint || got.Source != SourceUploaded {
		t.Errorf("reopened: %+v", got)
	}
	// Regenerate goes back to a generated one.
	if got, err := m2.Regenerate(); err != nil || got.Source != SourceGenerated || got.Fingerprint == info.Fingerprint {
		t.Errorf("regenerate: %+v %v", got, err)
	}
}

func TestUploadRefused(t *testing.T) {
	key, keyPEM := newKey(t)
	_, otherKeyPEM := newKey(t)
	good := issue(t, serverTmpl(t0.Add(-time.Hour), t0.Add(time.Hour*24)), key, nil, nil)
	expired := issue(t, serverTmpl(t0.Add(-48*time.Hour), t0.Add(-time.Hour)), key, nil, nil)
	future := issue(t, serverTmpl(t0.Add(time.Hour), t0.Add(48*time.Hour)), key, nil, nil)
	client := serverTmpl(t0.Add(-time.Hour), t0.Add(time.Hour*24))
	client.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	clientPEM := issue(t, client, key, nil, nil)
	caOnly := serverTmpl(t0.Add(-time.Hour), t0.Add(time.Hour*24))
	caOnly.ExtKeyUsage, caOnly.KeyUsage = nil, x509.KeyUsageCertSign
	caOnlyPEM := issue(t, caOnly, key, nil, nil)
	caKey, _ := newKey(t)
	caTmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(48 * time.Hour)}
	caPEM := issue(t, caTmpl, caKey, nil, nil)
	ca, _ := x509.ParseCertificate(mustBlock(t, caPEM))
	signed := issue(t, serverTmpl(t0.Add(-time.Hour), t0.Add(24*time.Hour)), key, ca, caKey)
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{1}})
	for _, tc := range []struct {
		name      string
		cert, key []byte
		want      string
	}{
		{"mismatched pair", good, otherKeyPEM, "does not match"},
		{"expired", expired, keyPEM, "expired on"},
		{"not yet valid", future, keyPEM, "not valid before"},
		{"client certificate", clientPEM, keyPEM, "not for a TLS server"},
		{"CA-only key usage", caOnlyPEM, keyPEM, "not for a TLS server"},
		{"garbage certificate", []byte("hello"), keyPEM, "no PEM certificate"},
		{"garbage key", good, []byte("hello"), "no PEM private key"},
		{"swapped", keyPEM, good, "holds a private key"},
		{"bad DER", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("xx")}), keyPEM, "cannot be parsed"},
		{"encrypted key", good, encrypted, "encrypted"},
		{"empty", nil, nil, "no PEM certificate"},
		{"CA first", append(append([]byte{}, caPEM...), signed...), keyPEM, "put the server certificate first"},
		{"unrelated chain", append(append([]byte{}, good...), caPEM...), keyPEM, "not signed by certificate 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec, clk := &memSecrets{}, &clock{t: t0}
			m := open(t, sec, clk)
			fp := m.Fingerprint()
			_, err := m.Upload(tc.cert, tc.key)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want ErrInvalid with %q", err, tc.want)
			}
			if m.Fingerprint() != fp {
				t.Error("a refused upload replaced the certificate")
			}
		})
	}
	if _, err := CheckPair(append(signed, caPEM...), keyPEM, t0); err != nil {
		t.Errorf("leaf and CA refused: %v", err)
	}
	if _, err := CheckPair(good, keyPEM, t0); err != nil {
		t.Errorf("good pair refused: %v", err)
	}
}

func TestHandshake(t *testing.T) {
	m := open(t, &memSecrets{}, &clock{t: time.Now()})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", m.ServerTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(m.Certificate().Leaf)
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st := c.ConnectionState()
	if st.NegotiatedProtocol != "h2" || FingerprintOf(st.PeerCertificates[0].Raw) != m.Fingerprint() {
		t.Errorf("ALPN %q, fingerprint %s", st.NegotiatedProtocol, FingerprintOf(st.PeerCertificates[0].Raw))
	}
	// Verifies against 127.0.0.1 as well.
	if err := st.PeerCertificates[0].VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
}

func mustBlock(t *testing.T, p []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(p)
	if b == nil {
		t.Fatal("no PEM")
	}
	return b.Bytes
}

func FuzzCheckPair(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, c, k []byte) {
		if _, err := CheckPair(c, k, t0); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error not wrapping ErrInvalid: %v", err)
		}
	})
}
