package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ivrbox/ivrbox/firmware/certs"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/firmware/sip"
)

// SIP over TLS through the binary: a Go caller (package sip, on sipgo)
// calls an IVR on the box's TLS port, trusting the box's own certificate
// by its fingerprint; TLS trunks register at and call a second SIP peer on
// loopback whose certificate comes from a test CA, and are refused when the
// CA is not the trunk's or the certificate names another host. (The
// installed SIPp has no TLS: `sipp -v` shows no TLS in its build.)

// sipsArgs turns SIP over TLS on at a free port (read back from the log).
var sipsArgs = []string{"-sips", "127.0.0.1:0"}

var sipsListenRE = regexp.MustCompile(`transport=tls addr=(\S+)`)

// sipsAddr is the box's SIP over TLS address, from its log.
func (b *box) sipsAddr() string {
	b.t.Helper()
	line := b.waitLog(10*time.Second, "msg=listening", "transport=tls")
	m := sipsListenRE.FindStringSubmatch(line)
	if m == nil {
		b.t.Fatalf("no TLS address in %q", line)
	}
	return m[1]
}

var sipsFingerprintRE = regexp.MustCompile(`fingerprint=(\S+)`)

// sipsBoxCA fetches the box's TLS certificate on its SIP over TLS port,
// checks it is the one the box logged (by fingerprint) and returns it as PEM,
// to trust it as a root.
func sipsBoxCA(t *testing.T, b *box, addr string) string {
	t.Helper()
	m := sipsFingerprintRE.FindStringSubmatch(b.waitLog(10*time.Second, "fingerprint="))
	if m == nil {
		t.Fatal("the box logged no fingerprint")
	}
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) // checked by fingerprint below
	if err != nil {
		t.Fatalf("TLS to the box's SIP port: %v", err)
	}
	leaf := c.ConnectionState().PeerCertificates[0]
	c.Close()
	if got := certs.FingerprintOf(leaf.Raw); got != strings.Trim(m[1], `"`) {
		t.Fatalf("the SIP over TLS certificate is %s, the box logged %s", got, m[1])
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))
}

// startSIPServer runs a package sip server on loopback address ip (TLS
// too with cert) whose calls h takes.
func startSIPServer(t *testing.T, ip string, cert *tls.Certificate, h sip.Handler) *sip.Server {
	t.Helper()
	o := sip.Options{Addr: ip + ":0", UserAgent: "e2e-peer", Log: slog.New(slog.DiscardHandler)}
	if cert != nil {
		o.TLSAddr, o.TLS = ip+":0", &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	s, err := sip.NewServer(o, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-s.Ready():
	case err := <-done:
		t.Fatalf("sip peer: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("sip peer not ready")
	}
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// TestSIPSCallIVR: a call over TLS to sips:6502 at the box hears 6502's
// prompt (ok) and the box's BYE comes back over TLS.
func TestSIPSCallIVR(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, args: sipsArgs})
	addr := b.sipsAddr()
	ca := sipsBoxCA(t, b, addr)
	caller := startSIPServer(t, "127.0.0.1", nil, sip.HandlerFunc(func(context.Context, *sip.Dialog) {}))
	p := newPeer(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	offer := sdp.Offer(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p.port())), 1, 1)
	cd, err := caller.Dial(ctx, sip.DialOptions{Target: "sips:6502@" + addr, Transport: "TLS", From: "1001", CA: ca, SDP: offer})
	if err != nil {
		t.Fatalf("call over TLS: %v", err)
	}
	if rt := cd.RemoteTarget(); !strings.HasPrefix(rt, "sips:") {
		t.Errorf("the box's Contact is %q, want a sips: URI", rt)
	}
	select {
	case <-cd.Done():
	case <-ctx.Done():
		t.Fatal("no BYE from the box over TLS")
	}
	if cd.Cause() != sip.CauseBye {
		t.Errorf("the call ended by %q, want the box's BYE", cd.Cause())
	}
	if got := p.heard(); strings.Join(got, ",") != "ok" {
		t.Errorf("heard %v, want [ok]", got)
	}
	b.waitLog(5*time.Second, `msg=call `, "transport=TLS")
	b.waitLog(5*time.Second, "event.kind=call.ended", "event.cause=normal")

	// A caller that does not trust the box's certificate does not get in
	// (a new one: the first caller's verified connection would be reused).
	other := sipsCA(t)
	stranger := startSIPServer(t, "127.0.0.1", nil, sip.HandlerFunc(func(context.Context, *sip.Dialog) {}))
	if _, err := stranger.Dial(ctx, sip.DialOptions{Target: "sips:6502@" + addr, Transport: "TLS", From: "1001",
		CA: other.pem, SDP: offer}); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Errorf("a call trusting another CA: %v, want refused", err)
	}
}

// sipsTestCA is a CA made for one test.
type sipsTestCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string
}

func sipsCA(t *testing.T) *sipsTestCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e SIP CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &sipsTestCA{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// leaf issues a server certificate for names (DNS names or IPs).
func (ca *sipsTestCA) leaf(t *testing.T, names ...string) *tls.Certificate {
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
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// sipsAccounts is the far end's registrar accounts.
type sipsAccounts map[string]string

func (a sipsAccounts) Password(user string) (string, bool) { pw, ok := a[user]; return pw, ok }

// tlsProvider is a SIP provider on a loopback address reached over TLS: it
// answers every call with p's address and counts the INVITEs that reached
// it. Each provider of a test has its own address: the box checks a
// certificate against the trunk host's name, and trunks sharing a host
// share its CA.
type tlsProvider struct {
	srv     *sip.Server
	invites atomic.Int32
}

func startTLSProvider(t *testing.T, ip string, cert *tls.Certificate, p *peer) *tlsProvider {
	t.Helper()
	tp := &tlsProvider{}
	tp.srv = startSIPServer(t, ip, cert, sip.HandlerFunc(func(ctx context.Context, d *sip.Dialog) {
		tp.invites.Add(1)
		if d.Transport() != "TLS" {
			t.Errorf("the provider got a call over %s", d.Transport())
		}
		local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p.port()))
		if _, err := d.Answer(ctx, sdp.Offer(local, 2, 1)); err != nil {
			t.Errorf("provider: Answer: %v", err)
			return
		}
		<-ctx.Done()
	}))
	tp.srv.SetRegistrar(sipsAccounts{regUser: regPassword})
	return tp
}

func (tp *tlsProvider) host() string { return tp.srv.TLSAddr().String() }

// tlsTrunk is a trunk body over TLS to host trusting caPEM.
func tlsTrunk(name, typ, host, caPEM string) map[string]any {
	tr := map[string]any{"name": name, "type": typ, "host": host, "transport": "tls", "ca_pem": caPEM}
	if typ == "register" {
		tr["user"], tr["password"], tr["expiry"] = regUser, regPassword, 60
	}
	return tr
}

// TestTLSTrunkRegister: a register trunk over TLS registers at a provider
// whose certificate a test CA signed, with that CA configured; with another
// CA, or a certificate for another name, the trunk fails, saying why.
func TestTLSTrunkRegister(t *testing.T) {
	t.Parallel()
	ca, other := sipsCA(t), sipsCA(t)
	p := newPeer(t, 0)
	good := startTLSProvider(t, "127.0.0.1", ca.leaf(t, "127.0.0.1"), p)
	public := startTLSProvider(t, "127.0.0.2", ca.leaf(t, "127.0.0.2"), p)
	unknown := startTLSProvider(t, "127.0.0.3", ca.leaf(t, "127.0.0.3"), p)
	wrongName := startTLSProvider(t, "127.0.0.4", ca.leaf(t, "sip.provider.example"), p)
	b := startBox(t, boxOpts{})
	adm := admin(t, b)
	adm.must("POST", "trunks", tlsTrunk("good", "register", good.host(), ca.pem), http.StatusCreated, nil)
	adm.must("POST", "trunks", tlsTrunk("system-roots", "register", public.host(), ""), http.StatusCreated, nil)
	adm.must("POST", "trunks", tlsTrunk("other-ca", "register", unknown.host(), other.pem), http.StatusCreated, nil)
	adm.must("POST", "trunks", tlsTrunk("wrong-name", "register", wrongName.host(), ca.pem), http.StatusCreated, nil)
	waitTrunkState(t, adm, "good", "registered", 10*time.Second)
	if _, _, ok := good.srv.Location(regUser); !ok {
		t.Error("the provider has no binding")
	}
	for _, name := range []string{"system-roots", "other-ca", "wrong-name"} {
		waitTrunkState(t, adm, name, "failed", 10*time.Second)
		var v struct {
			Detail string `json:"state_detail"`
		}
		adm.must("GET", "trunks/"+name, nil, http.StatusOK, &v)
		if !strings.Contains(v.Detail, "certificate") {
			t.Errorf("%s: state_detail %q, want the certificate named", name, v.Detail)
		}
	}
	for _, tp := range []*tlsProvider{public, unknown, wrongName} {
		if _, _, ok := tp.srv.Location(regUser); ok {
			t.Errorf("refused provider %s got a registration", tp.host())
		}
	}
	b.waitLog(time.Second, "registration", "registered")
}

// TestTLSTrunkOutbound: an API call out through a peer trunk over TLS
// reaches the provider with the trunk's CA and hears 6502's prompt; with an
// unknown CA or a certificate for another name no INVITE gets there.
func TestTLSTrunkOutbound(t *testing.T) {
	t.Parallel()
	ca, other := sipsCA(t), sipsCA(t)
	p := newPeer(t, 0)
	good := startTLSProvider(t, "127.0.0.1", ca.leaf(t, "127.0.0.1"), p)
	unknown := startTLSProvider(t, "127.0.0.2", ca.leaf(t, "127.0.0.2"), p)
	wrongName := startTLSProvider(t, "127.0.0.3", ca.leaf(t, "sip.provider.example"), p)
	b := startBox(t, boxOpts{tones: true})
	configure(t, admin(t, b), nil, pbxSetup{
		trunks: []map[string]any{tlsTrunk("good", "peer", good.host(), ca.pem),
			tlsTrunk("unknown", "peer", unknown.host(), other.pem), tlsTrunk("wrongname", "peer", wrongName.host(), ca.pem)},
		outbound: []map[string]any{outRoute("good", "good", 0, "100"), outRoute("unknown", "unknown", 0, "200"),
			outRoute("wrongname", "wrongname", 0, "300")},
		accounts: []map[string]any{account("1000", "good", "unknown", "wrongname")},
	})
	api := newPBX(t, b, "")
	api.mustLogin()
	api.ok("ivr/dial_outbound", map[string]string{"ivrid": "6502", "outto": "100", "fromext": "1000"})
	b.waitLog(20*time.Second, "event.kind=call.ended", "event.cause=normal")
	if got := strings.Join(p.heard(), ","); !strings.Contains(got, "ok") {
		t.Errorf("the provider heard %q, want the 6502 prompt (ok)", got)
	}
	if n := good.invites.Load(); n != 1 {
		t.Errorf("%d INVITEs reached the provider, want 1", n)
	}
	for _, number := range []string{"200", "300"} {
		api.ok("ivr/dial_outbound", map[string]string{"ivrid": "6502", "outto": number, "fromext": "1000"})
	}
	deadline := time.Now().Add(15 * time.Second)
	for strings.Count(b.logs(), `msg="outbound call failed"`) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := strings.Count(b.logs(), `msg="outbound call failed"`); n != 2 {
		t.Errorf("%d outbound calls failed, want 2 (unknown CA, wrong name)", n)
	}
	if !strings.Contains(b.logs(), "certificate signed by unknown authority") {
		t.Error("no log of the unknown CA")
	}
	if !strings.Contains(b.logs(), "its certificate is for sip.provider.example") {
		t.Error("no log of the wrong name")
	}
	if n := unknown.invites.Load() + wrongName.invites.Load(); n != 0 {
		t.Errorf("%d INVITEs reached refused providers", n)
	}
}

// TestWebUITLSTrunk: on Trunks & routes a trunk's transport can be TLS; the
// provider CA field shows only then, a key pasted there is refused at the
// field, a CA certificate is saved, and the admin API shows both.
func TestWebUITLSTrunk(t *testing.T) {
	t.Parallel()
	ca := sipsCA(t)
	b := startBox(t, boxOpts{})
	br := newBrowser(t, b, 1280, 900, false)
	br.setup()
	br.do("menu trunks", chromedp.Click(chromedp.ID("nav-trunks")))
	br.untilText("#main h1", "Trunks & routes")
	br.do("add a trunk", chromedp.Click(chromedp.ID("trunk-new")))
	br.until("the trunk form", 10*time.Second, `document.querySelector("#trunk-host")`)
	br.until("no CA field over UDP", 5*time.Second, `document.querySelector("#trunk-ca-pem").closest(".field").hidden`)
	br.fill("#trunk-name", "secure")
	br.pick("#trunk-type", "peer")
	br.pick("#trunk-transport", "tls")
	br.until("the CA field over TLS", 5*time.Second, `!document.querySelector("#trunk-ca-pem").closest(".field").hidden`)
	if ph := js[string](br, `document.querySelector("#trunk-host").placeholder`); !strings.Contains(ph, "5061") {
		t.Errorf("host placeholder %q over TLS, want port 5061", ph)
	}
	br.fill("#trunk-host", "sip.provider.example")
	paste := func(text string) {
		js[bool](br, fmt.Sprintf(`(() => { const e = document.querySelector("#trunk-ca-pem"); e.value = %q;
			e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`, text))
	}
	paste("-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n")
	br.do("save with a key", chromedp.Click(chromedp.ID("trunk-save")))
	br.until("the key refused at its field", 10*time.Second,
		`document.querySelector("#trunk-ca-pem").closest(".field").textContent.includes("never a key")`)
	br.shot("webui-trunk-tls-key-refused")
	paste(ca.pem)
	br.do("save the TLS trunk", chromedp.Click(chromedp.ID("trunk-save")))
	br.untilText("#trunk-list", "secure")
	var tr struct {
		Transport string `json:"transport"`
		CAPEM     string `json:"ca_pem"`
	}
	if err := json.Unmarshal([]byte(getJSON(br, "/api/admin/trunks/secure")), &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Transport != "tls" || strings.TrimSpace(tr.CAPEM) != strings.TrimSpace(ca.pem) {
		t.Errorf("saved trunk: transport %q, ca_pem %q", tr.Transport, tr.CAPEM)
	}
	br.shot("webui-trunk-tls")
}
