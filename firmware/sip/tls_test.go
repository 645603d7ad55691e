package sip

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf issues a server certificate for names (DNS names or IP addresses).
func (ca *testCA) leaf(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// startTLSServer starts a server listening on TLS too, with cert.
func startTLSServer(t *testing.T, h Handler, cert tls.Certificate, tune func(*Options)) *Server {
	t.Helper()
	o := Options{Addr: "127.0.0.1:0", TLSAddr: "127.0.0.1:0", UserAgent: "ivrbox/test", Log: testLog(),
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}}}
	if tune != nil {
		tune(&o)
	}
	s, err := NewServer(o, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-s.Ready():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(wait):
		t.Fatal("server not ready")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return s
}

// TestDialTLS: a call over TLS to a callee whose certificate comes from a
// test CA is answered with the CA given, and refused (no INVITE reaches
// the callee) with an unknown CA or a certificate for another name.
func TestDialTLS(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)
	answered := make(chan *Dialog, 4)
	answer := HandlerFunc(func(ctx context.Context, d *Dialog) {
		if _, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1)); err != nil {
			t.Errorf("Answer: %v", err)
			return
		}
		answered <- d
		<-ctx.Done()
	})
	good := startTLSServer(t, answer, ca.leaf(t, "127.0.0.1", "localhost"), nil)
	wrongName := startTLSServer(t, answer, ca.leaf(t, "sip.example.net"), nil)
	// Fresh servers for the refusals: a verified connection is reused.
	unknown := startTLSServer(t, answer, ca.leaf(t, "127.0.0.1"), nil)
	public := startTLSServer(t, answer, ca.leaf(t, "127.0.0.1"), nil)
	caller := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {}))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	cd, err := caller.Dial(ctx, DialOptions{Target: "sips:6500@" + good.TLSAddr().String(), Transport: "TLS",
		From: "1001", SDP: sdpOffer("sendrecv"), CA: string(ca.pem)})
	if err != nil {
		t.Fatalf("Dial over TLS with the CA: %v", err)
	}
	d := expect(t, answered, "the TLS call answered")
	if d.Transport() != "TLS" {
		t.Errorf("callee's transport %q", d.Transport())
	}
	if c := d.invite.Contact().Address; c.Scheme != "sips" || c.Port != int(caller.TLSAddr().Port()) && caller.TLSAddr().IsValid() {
		t.Errorf("caller's Contact %s", c.String())
	}
	if c := d.contact().Address; c.Scheme != "sips" || c.Port != int(good.TLSAddr().Port()) {
		t.Errorf("callee's Contact %s, want sips: at port %d", c.String(), good.TLSAddr().Port())
	}
	if v := d.invite.Via(); v.Transport != "TLS" {
		t.Errorf("Via %s", v.Value())
	}
	if err := cd.Hangup(ctx); err != nil {
		t.Errorf("Hangup over TLS: %v", err)
	}
	waitDone(t, d, CauseBye)

	// By name: localhost is in the certificate and is sent as SNI.
	cd, err = caller.Dial(ctx, DialOptions{Target: "6500@localhost:" + itoa(good.TLSAddr().Port()), Transport: "TLS",
		From: "1001", SDP: sdpOffer("sendrecv"), CA: string(ca.pem)})
	if err != nil {
		t.Fatalf("Dial localhost over TLS: %v", err)
	}
	d = expect(t, answered, "the TLS call to localhost answered")
	if c := d.contact().Address; c.Scheme != "sip" || !strings.Contains(c.String(), "transport=tls") {
		t.Errorf("callee's Contact %s, want sip: with transport=tls", c.String())
	}
	cd.Hangup(ctx)

	for name, o := range map[string]DialOptions{
		"unknown CA":   {Target: "6500@" + unknown.TLSAddr().String(), CA: string(other.pem)},
		"system roots": {Target: "6500@" + public.TLSAddr().String()},
		"wrong name":   {Target: "6500@" + wrongName.TLSAddr().String(), CA: string(ca.pem)},
	} {
		o.Transport, o.From, o.SDP = "TLS", "1001", sdpOffer("sendrecv")
		_, err := caller.Dial(ctx, o)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s: Dial = %v, want a certificate error", name, err)
		}
	}
	select {
	case d := <-answered:
		t.Errorf("a refused server's call reached the callee: %s", d.callID)
	default:
	}
	if _, err := caller.Dial(ctx, DialOptions{Target: "6500@127.0.0.1:1", Transport: "TLS", From: "1", SDP: sdpOffer("sendrecv"),
		CA: "not a PEM"}); err == nil || !errors.Is(err, errBadCA) {
		t.Errorf("bad CA PEM: %v", err)
	}
}

func itoa(p uint16) string { return big.NewInt(int64(p)).String() }

// TestRegisterTLS registers over TLS at a registrar with a test CA's
// certificate; an unknown CA fails the registration.
func TestRegisterTLS(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)
	registrar := startTLSServer(t, HandlerFunc(func(context.Context, *Dialog) {}), ca.leaf(t, "127.0.0.1"), nil)
	registrar.SetRegistrar(accounts{"2001": "pw2001"})
	phone := startServer(t, HandlerFunc(func(context.Context, *Dialog) {}))

	r := phone.Register(context.Background(), RegisterOptions{Registrar: registrar.TLSAddr().String(), Transport: "TLS",
		User: "2001", Password: "pw2001", CA: string(ca.pem)})
	awaitStatus(t, regStates(r), RegRegistered)
	contact, _, ok := registrar.Location("2001")
	if !ok || !strings.Contains(contact, "transport=tls") {
		t.Errorf("Location = %q %v", contact, ok)
	}
	r.Close()

	// Another registrar: a verified connection would be reused.
	registrar2 := startTLSServer(t, HandlerFunc(func(context.Context, *Dialog) {}), ca.leaf(t, "127.0.0.1"), nil)
	registrar2.SetRegistrar(accounts{"2001": "pw2001"})
	r = phone.Register(context.Background(), RegisterOptions{Registrar: registrar2.TLSAddr().String(), Transport: "TLS",
		User: "2001", Password: "pw2001", CA: string(other.pem)})
	st := awaitStatus(t, regStates(r), RegFailed)
	if st.Cause == nil || !strings.Contains(st.Cause.Error(), "certificate") {
		t.Errorf("unknown CA: %+v", st)
	}
	r.Close()
}

// TestTLSBounds: past MaxConns a connection is closed at once, and a
// connection that never completes its handshake is closed after
// HandshakeTimeout.
func TestTLSBounds(t *testing.T) {
	ca := newTestCA(t)
	s := startTLSServer(t, HandlerFunc(func(context.Context, *Dialog) {}), ca.leaf(t, "127.0.0.1"), func(o *Options) {
		o.MaxConns, o.HandshakeTimeout = 1, 200*time.Millisecond
	})
	first, err := net.Dial("tcp", s.TLSAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	start := time.Now()
	second, err := net.Dial("tcp", s.TLSAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.SetReadDeadline(time.Now().Add(wait))
	if _, err := second.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Errorf("second connection over the limit: %v, want closed", err)
	}
	first.SetReadDeadline(time.Now().Add(wait))
	if _, err := first.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Errorf("silent connection: %v, want closed after the handshake timeout", err)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("silent connection closed after %v, before the handshake timeout", el)
	}
	// The slot is free again: a real TLS client gets through the handshake.
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	c, err := tls.Dial("tcp", s.TLSAddr().String(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatalf("TLS after the slot was freed: %v", err)
	}
	c.Close()
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "reset")
}

// TestTLSIdleTimeout: an accepted TLS connection that carries nothing for
// IdleTimeout is closed; one that sends CRLF keep-alives is not.
func TestTLSIdleTimeout(t *testing.T) {
	ca := newTestCA(t)
	s := startTLSServer(t, HandlerFunc(func(context.Context, *Dialog) {}), ca.leaf(t, "127.0.0.1"), func(o *Options) {
		o.IdleTimeout = 300 * time.Millisecond
	})
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	idle, err := tls.Dial("tcp", s.TLSAddr().String(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	alive, err := tls.Dial("tcp", s.TLSAddr().String(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer alive.Close()
	// Keep-alives (RFC 5626 double CRLF, answered with CRLF) for twice the
	// idle timeout, sent while the idle one waits, keep the other one open.
	pings := make(chan error, 1)
	go func() {
		pong := make([]byte, 2)
		for range 6 {
			if _, err := alive.Write([]byte("\r\n\r\n")); err != nil {
				pings <- fmt.Errorf("keep-alive: %w", err)
				return
			}
			alive.SetReadDeadline(time.Now().Add(wait))
			if _, err := io.ReadFull(alive, pong); err != nil {
				pings <- fmt.Errorf("keep-alive answer: %w", err)
				return
			}
			<-time.After(100 * time.Millisecond) // the pace of the keep-alives, not a wait for an event
		}
		pings <- nil
	}()
	start := time.Now()
	idle.SetReadDeadline(time.Now().Add(wait))
	if _, err := idle.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("idle connection: %v, want closed", err)
	}
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Errorf("idle connection closed after %v, before the idle timeout", el)
	}
	if err := <-pings; err != nil {
		t.Fatal(err)
	}
}
