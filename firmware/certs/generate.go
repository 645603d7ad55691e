package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"slices"
	"strings"
	"time"
)

// template is the certificate the box makes for itself now.
func (m *Manager) template() *x509.Certificate {
	now := m.opt.Now()
	cn := "ivrbox"
	if m.opt.Hostname != "" {
		cn = m.opt.Hostname
	}
	subj := pkix.Name{CommonName: cn, Organization: []string{"ivrbox"}, SerialNumber: m.opt.Serial}
	dns := []string{"localhost"}
	if h := strings.ToLower(m.opt.Hostname); validDNSName(h) && h != "localhost" {
		dns = append([]string{h, h + ".local"}, dns...)
	}
	if sn := "ivrbox-" + strings.ToLower(m.opt.Serial); m.opt.Serial != "" && validDNSName(sn) && !slices.Contains(dns, sn) {
		dns = append(dns, sn)
	}
	ips := m.opt.IPs
	if ips == nil {
		ips = LANIPs()
	}
	return &x509.Certificate{
		Subject: subj, DNSNames: dns, IPAddresses: withLoopback(ips),
		NotBefore: now.Add(-5 * time.Minute), NotAfter: now.Add(Validity),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// CA so that a client can pin it as its own root.
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}
}

// Generate makes a self-signed ECDSA P-256 certificate from tmpl (its serial
// number is drawn at random) and returns the certificate and PKCS #8 key
// as PEM.
func Generate(tmpl *x509.Certificate) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("certs: serial: %w", err)
	}
	t := *tmpl
	t.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, &t, &t, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: create: %w", err)
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}), nil
}

// LANIPs is the host's unicast interface addresses but loopback and
// link-local ones.
func LANIPs() []net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() || n.IP.IsMulticast() {
			continue
		}
		out = append(out, n.IP)
	}
	return out
}

// withLoopback is ips with 127.0.0.1 and ::1 added, without duplicates.
func withLoopback(ips []net.IP) []net.IP {
	out := []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}
	for _, ip := range ips {
		if !slices.ContainsFunc(out, ip.Equal) {
			out = append(out, ip)
		}
	}
	return out
}

// validDNSName reports whether h can be a certificate's DNS name.
func validDNSName(h string) bool {
	if h == "" || len(h) > 253 || net.ParseIP(h) != nil {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
