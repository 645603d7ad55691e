package admin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/certs"
)

// withCerts gives e's API a real certificate manager over e's store.
func withCerts(t *testing.T, e *env) *certs.Manager {
	t.Helper()
	m, err := certs.Open(certs.Options{Secrets: e.st, Hostname: "box"})
	if err != nil {
		t.Fatal(err)
	}
	e.api.opt.Certs = m
	return m
}

// testPair is a server certificate for pbx.example.org and its key, PEM,
// valid from notBefore to notAfter.
func testPair(t *testing.T, notBefore, notAfter time.Time) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "pbx.example.org"},
		DNSNames: []string{"pbx.example.org"}, NotBefore: notBefore, NotAfter: notAfter,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := x509.MarshalPKCS8PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}))
}

func TestCertInfo(t *testing.T) {
	e := newEnv(t)
	m := withCerts(t, e)
	who := e.login()
	var info certs.Info
	e.do(who, "GET", "cert", nil).want(t, http.StatusOK).decode(t, &info)
	if info.Fingerprint != m.Fingerprint() || info.Source != certs.SourceGenerated || info.NotAfter.IsZero() ||
		!strings.Contains(strings.Join(info.DNSNames, ","), "localhost") {
		t.Errorf("info %+v", info)
	}
	if strings.Contains(string(e.do(who, "GET", "cert", nil).body), "PRIVATE") {
		t.Error("the answer shows the key")
	}
}

func TestCertUploadAndRegenerate(t *testing.T) {
	e := newEnv(t)
	m := withCerts(t, e)
	who := e.login()
	c, k := testPair(t, time.Now().Add(-time.Hour), time.Now().Add(48*time.Hour))
	var info certs.Info
	e.do(who, "POST", "cert", certBody{CertPEM: c, KeyPEM: k}).want(t, http.StatusOK).decode(t, &info)
	if info.Source != certs.SourceUploaded || info.Fingerprint != m.Fingerprint() || info.DNSNames[0] != "pbx.example.org" {
		t.Errorf("uploaded: %+v", info)
	}
	var again certs.Info
	e.do(who, "POST", "cert/regenerate", nil).want(t, http.StatusOK).decode(t, &again)
	if again.Source != certs.SourceGenerated || again.Fingerprint == info.Fingerprint || again.Fingerprint != m.Fingerprint() {
		t.Errorf("regenerated: %+v", again)
	}
	if !strings.Contains(e.logs.String(), "TLS certificate regenerated") {
		t.Error("regeneration not logged")
	}
}

func TestCertUploadRefused(t *testing.T) {
	e := newEnv(t)
	m := withCerts(t, e)
	who := e.login()
	fp := m.Fingerprint()
	c, k := testPair(t, time.Now().Add(-time.Hour), time.Now().Add(48*time.Hour))
	_, k2 := testPair(t, time.Now().Add(-time.Hour), time.Now().Add(48*time.Hour))
	old, oldKey := testPair(t, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"mismatched pair", certBody{CertPEM: c, KeyPEM: k2}, "does not match"},
		{"expired", certBody{CertPEM: old, KeyPEM: oldKey}, "expired on"},
		{"garbage", certBody{CertPEM: "hello", KeyPEM: k}, "no PEM certificate"},
		{"no key", certBody{CertPEM: c}, "no PEM private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(who, "POST", "cert", tc.body).want(t, http.StatusUnprocessableEntity)
			if msg := r.errorText(t); !strings.Contains(msg, tc.want) || !strings.Contains(msg, "nothing changed") {
				t.Errorf("error %q, want %q", msg, tc.want)
			}
		})
	}
	e.do(who, "POST", "cert", `{"cert_pem":`).want(t, http.StatusBadRequest)
	if m.Fingerprint() != fp {
		t.Error("a refused upload replaced the certificate")
	}
}

func TestCertNone(t *testing.T) {
	e := newEnv(t)
	who := e.login()
	for _, r := range []struct{ method, path string }{{"GET", "cert"}, {"POST", "cert"}, {"POST", "cert/regenerate"}} {
		e.do(who, r.method, r.path, certBody{}).want(t, http.StatusNotImplemented)
	}
}

func TestSetupOnlyOverHTTPS(t *testing.T) {
	e := newEnv(t)
	e.api.opt.HTTPSPort = "8443"
	r := e.do(as{}, "POST", "setup", map[string]string{"password": testPassword}).want(t, http.StatusForbidden)
	if msg := r.errorText(t); !strings.Contains(msg, "only over HTTPS: open https://127.0.0.1:8443/") {
		t.Errorf("error %q", msg)
	}
	if has, _ := e.api.auth.HasPassword(); has {
		t.Error("the password was set over plain HTTP")
	}
	e.api.opt.HTTPSPort = ""
	e.do(as{}, "POST", "setup", map[string]string{"password": testPassword}).want(t, http.StatusOK)
}
