package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

// testCAPEM is a self-signed CA certificate's PEM.
func testCAPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestTrunkTLS(t *testing.T) {
	ca := testCAPEM(t)
	tests := []struct {
		name string
		edit func(tr *Trunk)
		want []string
	}{
		{"tls", func(tr *Trunk) { tr.Transport = "tls" }, nil},
		{"tls with a CA", func(tr *Trunk) { tr.Transport, tr.CAPEM = "tls", ca }, nil},
		{"two CAs", func(tr *Trunk) { tr.Transport, tr.CAPEM = "tls", ca+ca }, nil},
		{"unknown transport", func(tr *Trunk) { tr.Transport = "sctp" }, []string{
			`trunks[0].transport: "sctp" must be udp, tcp or tls`}},
		{"CA over udp", func(tr *Trunk) { tr.CAPEM = ca }, []string{`trunks[0].ca_pem: is only for transport tls`}},
		{"not PEM", func(tr *Trunk) { tr.Transport, tr.CAPEM = "tls", "hello" }, []string{
			`trunks[0].ca_pem: holds no PEM certificate (-----BEGIN CERTIFICATE-----)`}},
		{"a key", func(tr *Trunk) {
			tr.Transport = "tls"
			tr.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}))
		}, []string{`trunks[0].ca_pem: holds a PRIVATE KEY block; only CERTIFICATE blocks (the CA's certificate, never a key)`}},
		{"garbage certificate", func(tr *Trunk) {
			tr.Transport = "tls"
			tr.CAPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2}}))
		}, []string{`trunks[0].ca_pem: certificate 1 does not parse: x509: malformed certificate`}},
		{"too long", func(tr *Trunk) { tr.Transport, tr.CAPEM = "tls", strings.Repeat(ca, MaxCAPEM/len(ca)+1) }, []string{
			`trunks[0].ca_pem: is longer than 64 KiB`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := telephony(t)
			tt.edit(&c.Trunks[0])
			var got []string
			for _, p := range Problems(Validate(c)) {
				got = append(got, p.Error())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTrunkTLSAddr(t *testing.T) {
	for host, want := range map[string]string{"sip.example.net": "sip.example.net:5061", "10.0.0.1:5071": "10.0.0.1:5071",
		"2001:db8::1": "[2001:db8::1]:5061"} {
		if got := (Trunk{Host: host, Transport: TransportTLS}).Addr(); got != want {
			t.Errorf("Addr of %q over TLS = %q, want %q", host, got, want)
		}
	}
}

// FuzzCAProblem feeds arbitrary text to the trunk CA check: it must never
// panic, and what it accepts must hold a certificate crypto/x509 parses.
func FuzzCAProblem(f *testing.F) {
	f.Add("-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n")
	f.Add("-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n")
	f.Add("")
	f.Add("-----BEGIN CERTIFICATE-----\n")
	f.Fuzz(func(t *testing.T, s string) {
		if caProblem(s) != "" {
			return
		}
		if !x509.NewCertPool().AppendCertsFromPEM([]byte(s)) {
			t.Fatalf("accepted %q, which holds no certificate", s)
		}
	})
}
