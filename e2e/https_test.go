package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The box over HTTPS: its own certificate trusted by fingerprint, an
// uploaded one, the PBX API and the admin page over TLS.

// httpsBox starts a box serving HTTPS on a free port (and plain HTTP, for
// the harness's readiness check, in mode); dir and ports reuse an earlier
// box's data and ports when set.
func httpsBox(t *testing.T, o boxOpts, httpsPort int, mode string) *box {
	t.Helper()
	o.args = append(o.args, "-https", fmt.Sprintf("127.0.0.1:%d", httpsPort), "-http-mode", mode)
	return startBox(t, o)
}

// fingerprint is the SHA-256 of der as the box shows it (AB:CD:...).
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, x := range sum {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}

// loggedFingerprint is the fingerprint the box logged when HTTPS started
// (the last one: a restarted process logs again).
func loggedFingerprint(t *testing.T, b *box) string {
	t.Helper()
	b.waitLog(10*time.Second, `msg="https listening"`, "fingerprint=")
	fp := ""
	for _, line := range strings.Split(b.logs(), "\n") {
		if strings.Contains(line, `msg="https listening"`) {
			_, rest, _ := strings.Cut(line, "fingerprint=")
			fp, _, _ = strings.Cut(rest, " ")
		}
	}
	if len(fp) != 95 {
		t.Fatalf("logged fingerprint %q", fp)
	}
	return fp
}

// pinned trusts exactly the certificate whose fingerprint is fp (as an
// application server configured with the box's fingerprint would).
func pinned(fp string) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, // replaced by the pin below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("no certificate")
			}
			if got := fingerprint(raw[0]); got != fp {
				return fmt.Errorf("certificate fingerprint %s, want %s", got, fp)
			}
			return nil
		},
	}
}

// tlsClient is an HTTP client (HTTP/2 offered) over cfg.
func tlsClient(t *testing.T, cfg *tls.Config) *http.Client {
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// served is the leaf certificate a TLS handshake with addr shows.
func served(t *testing.T, addr string) *x509.Certificate {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS to %s: %v", addr, err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0]
}

// TestHTTPSPBXAPI: the certificate `ivrbox cert show` prints is the one the
// box logs and serves; an application server trusting it by fingerprint
// logs in to the PBX API over HTTPS (HTTP/2), beats, places a call through
// a trunk with dial_outbound, queries it, hangs it up and logs out; a client trusting the system roots, or pinning another fingerprint,
// is refused at the handshake.
func TestHTTPSPBXAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, err := exec.Command(ivrboxBin(t), "cert", "show", "-data", dir).Output()
	if err != nil {
		t.Fatalf("ivrbox cert show: %v", err)
	}
	port := freePort(t)
	b := httpsBox(t, boxOpts{dir: dir}, port, "serve")
	fp := loggedFingerprint(t, b)
	if !strings.Contains(string(out), "fingerprint: SHA256 "+fp) || !strings.Contains(string(out), "127.0.0.1") {
		t.Errorf("ivrbox cert show printed\n%s\nthe box logs %s", out, fp)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	leaf := served(t, addr)
	if fingerprint(leaf.Raw) != fp || leaf.VerifyHostname("127.0.0.1") != nil || leaf.VerifyHostname("localhost") != nil {
		t.Fatalf("served %s for %v %v, logged %s", fingerprint(leaf.Raw), leaf.DNSNames, leaf.IPAddresses, fp)
	}
	hc := tlsClient(t, pinned(fp))
	trunk := newSniffer(t, "127.0.0.2")
	configure(t, adminOverTLS(t, hc, addr, b), nil, pbxSetup{
		trunks:   []map[string]any{peerTrunk("carrier", trunk.addr())},
		outbound: []map[string]any{outRoute("mobile", "carrier", 0, "10086")},
		accounts: []map[string]any{account("1000", "mobile")},
	})
	res, err := hc.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.ProtoMajor != 2 || res.TLS == nil {
		t.Errorf("healthz over %s, want HTTP/2 over TLS", res.Proto)
	}
	api := &pbxClient{t: t, base: "https://" + addr + "/api/v1.1.0/", hc: hc}
	api.mustLogin()
	api.ok("heartbeat", map[string]string{})
	api.failed("call/query", api.token, map[string]string{"callid": "1234567890.1"}, "no-call")
	// dial_outbound: the box sends the INVITE to the trunk (which never
	// answers); the call is queried and hung up over HTTPS.
	callid := anyStr(api.ok("ivr/dial_outbound", map[string]string{"ivrid": "6500", "outto": "10086", "fromext": "1000"})["callid"])
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(strings.Join(trunk.messages(), "\n"), "INVITE sip:10086@") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if m := trunk.messages(); !strings.Contains(strings.Join(m, "\n"), "INVITE sip:10086@") {
		t.Fatalf("the trunk got %q, want an INVITE to 10086", m)
	}
	if q := api.ok("call/query", map[string]string{"callid": callid}); !strings.Contains(fmt.Sprint(q), callid) {
		t.Errorf("call/query %s: %v", callid, q)
	}
	api.ok("call/hangup", map[string]string{"callid": callid})
	api.ok("logout", map[string]string{})
	api.failed("heartbeat", api.token, map[string]string{}, "token-unknown")

	for name, cfg := range map[string]*tls.Config{"system roots": {}, "another pin": pinned(strings.Repeat("00:", 31) + "00")} {
		if _, err := tlsClient(t, cfg).Get("https://" + addr + "/healthz"); err == nil {
			t.Errorf("%s: the handshake succeeded", name)
		}
	}
}

// TestHTTPRedirect: in -http-mode redirect plain HTTP answers 308 to the
// same path and query over HTTPS (the health check stays plain).
func TestHTTPRedirect(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	b := httpsBox(t, boxOpts{}, port, "redirect")
	res, err := tlsClient(t, nil).Get(fmt.Sprintf("http://127.0.0.1:%d/api/admin/session?x=1", b.httpPort))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	want := fmt.Sprintf("https://127.0.0.1:%d/api/admin/session?x=1", port)
	if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != want {
		t.Errorf("%d Location %q, want 308 %q", res.StatusCode, res.Header.Get("Location"), want)
	}
}

// testCA is a certificate authority the test makes, and server
// certificates it signs.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// server signs a server certificate for name and 127.0.0.1; it returns
// the chain (leaf, CA) and the key as PEM.
func (ca *testCA) server(t *testing.T, name string) (chainPEM, keyPEM string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := x509.MarshalPKCS8PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) + string(ca.pem),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}))
}

// adminTLS is an admin API session over HTTPS with hc.
type adminTLS struct {
	t      *testing.T
	hc     *http.Client
	base   string
	cookie string
}

// do sends body as JSON and returns the status and the answer.
func (a *adminTLS) do(method, path string, body any) (int, []byte) {
	a.t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctxFor(a.t, 10*time.Second), method, a.base+path, strings.NewReader(string(data)))
	req.Header.Set("Content-Type", "application/json")
	if a.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "ivrbox_session", Value: a.cookie})
	}
	res, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.Name == "ivrbox_session" {
			a.cookie = c.Value
		}
	}
	return res.StatusCode, out
}

// adminOverTLS does the first-run setup over HTTPS with hc (plain HTTP may
// not) and returns a plain-HTTP admin client with a token made then.
func adminOverTLS(t *testing.T, hc *http.Client, addr string, b *box) *adminClient {
	t.Helper()
	adm := &adminTLS{t: t, hc: hc, base: "https://" + addr + "/api/admin/"}
	if code, out := adm.do("POST", "setup", map[string]string{"password": adminPassword}); code != http.StatusOK {
		t.Fatalf("setup over HTTPS: %d %s", code, out)
	}
	code, out := adm.do("POST", "tokens", map[string]string{"name": "e2e"})
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(out, &tok); code != http.StatusCreated || err != nil || tok.Token == "" {
		t.Fatalf("token over HTTPS: %d %s", code, out)
	}
	return &adminClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d/api/admin/", b.httpPort), token: tok.Token}
}

// TestHTTPSUploadedCertificate: the first-run setup over plain HTTP is
// refused, saying where HTTPS is; over HTTPS (pinned to the box's own
// certificate) the admin sets the password, a certificate whose key is
// another one's is refused with 422 and a clear message, a certificate
// from the test's CA is accepted and served at once (verified against the
// CA for 127.0.0.1 and its name), and still served, as "uploaded", after
// the box restarts on the same data.
func TestHTTPSUploadedCertificate(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	b := httpsBox(t, boxOpts{}, port, "serve")
	fp := loggedFingerprint(t, b)
	plain := &adminClient{t: t, base: fmt.Sprintf("http://127.0.0.1:%d/api/admin/", b.httpPort)}
	code, _, out := plain.do("POST", "setup", map[string]string{"password": adminPassword})
	if want := "only over HTTPS: open https://127.0.0.1:" + fmt.Sprint(port) + "/"; code != http.StatusForbidden || !strings.Contains(string(out), want) {
		t.Errorf("setup over plain HTTP: %d %s, want 403 saying %q", code, out, want)
	}
	adm := &adminTLS{t: t, hc: tlsClient(t, pinned(fp)), base: "https://" + addr + "/api/admin/"}
	if code, out := adm.do("POST", "setup", map[string]string{"password": adminPassword}); code != http.StatusOK {
		t.Fatalf("setup over HTTPS: %d %s", code, out)
	}
	ca := newTestCA(t)
	chain, key := ca.server(t, "ivrbox.test")
	_, otherKey := ca.server(t, "ivrbox.test")
	code, out = adm.do("POST", "cert", map[string]string{"cert_pem": chain, "key_pem": otherKey})
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(out, &e)
	if code != http.StatusUnprocessableEntity || !strings.Contains(e.Error, "private key does not match the certificate") {
		t.Errorf("mismatched pair: %d %s, want 422 saying the key does not match", code, out)
	}
	if got := fingerprint(served(t, addr).Raw); got != fp {
		t.Errorf("after a refused upload the box serves %s, want %s", got, fp)
	}
	if code, out := adm.do("POST", "cert", map[string]string{"cert_pem": chain, "key_pem": key}); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, out)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	checkCA := func(b *box) {
		t.Helper()
		for _, name := range []string{"127.0.0.1", "ivrbox.test"} {
			hc := tlsClient(t, &tls.Config{RootCAs: roots, ServerName: name})
			res, err := hc.Get("https://" + addr + "/healthz")
			if err != nil {
				t.Fatalf("verified against the test CA as %s: %v", name, err)
			}
			res.Body.Close()
		}
	}
	checkCA(b)
	b.stop()
	b2 := httpsBox(t, boxOpts{dir: b.dir, ports: b}, port, "serve")
	checkCA(b2)
	leaf := served(t, addr)
	if got := loggedFingerprint(t, b2); got != fingerprint(leaf.Raw) || got == fp {
		t.Errorf("after the restart the box logs %s, serves %s (its own was %s)", got, fingerprint(leaf.Raw), fp)
	}
	adm2 := &adminTLS{t: t, hc: tlsClient(t, &tls.Config{RootCAs: roots}), base: adm.base}
	if code, out := adm2.do("POST", "login", map[string]string{"password": adminPassword}); code != http.StatusOK {
		t.Fatalf("login: %d %s", code, out)
	}
	code, out = adm2.do("GET", "cert", nil)
	var info struct {
		Source      string   `json:"source"`
		Fingerprint string   `json:"fingerprint"`
		DNSNames    []string `json:"dns_names"`
	}
	_ = json.Unmarshal(out, &info)
	if code != http.StatusOK || info.Source != "uploaded" || info.Fingerprint != fingerprint(leaf.Raw) ||
		len(info.DNSNames) != 1 || info.DNSNames[0] != "ivrbox.test" {
		t.Errorf("GET cert after restart: %d %s", code, out)
	}
}

// TestWebUIHTTPS: the admin page over HTTPS in Chromium. The test first
// checks over a Go TLS connection that the box serves the certificate
// whose fingerprint it logged; only then does the browser accept it
// (--ignore-certificate-errors). The plain-HTTP page links to HTTPS for
// the first-run setup; setup over HTTPS, the System
// page shows the same fingerprint, a mismatched pair pasted there is
// refused with the box's reason, and "new certificate" changes the
// fingerprint shown and served.
func TestWebUIHTTPS(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	b := httpsBox(t, boxOpts{}, port, "serve")
	fp := loggedFingerprint(t, b)
	if got := fingerprint(served(t, addr).Raw); got != fp {
		t.Fatalf("the box serves %s, logged %s", got, fp)
	}
	// The plain-HTTP page sends the first-run setup to HTTPS.
	br := newTLSBrowser(t, fmt.Sprintf("http://127.0.0.1:%d/", b.httpPort))
	br.until("#setup-https", 10*time.Second, "document.querySelector('#setup-https')")
	if href := js[string](br, "document.querySelector('#setup-https').href"); href != "https://"+addr+"/#/setup" {
		t.Errorf("the HTTP page links to %q", href)
	}
	br.shot("webui-https-setup-link")
	br.do("follow the link", chromedp.Navigate("https://"+addr+"/#/setup"), chromedp.WaitVisible(chromedp.ID("setup-pw")))
	if scheme := js[string](br, "location.protocol"); scheme != "https:" {
		t.Fatalf("page loaded over %s", scheme)
	}
	br.setup()
	br.do("menu system", chromedp.Click(chromedp.ID("nav-system")))
	br.untilText("#main h1", "System")
	br.untilText("#cert-fp", fp)
	br.untilText("#cert-source", "made by the box")
	br.shot("webui-https-cert")

	ca := newTestCA(t)
	chain, _ := ca.server(t, "ivrbox.test")
	_, otherKey := ca.server(t, "ivrbox.test")
	js[bool](br, fmt.Sprintf(`(() => { document.querySelector('#cert-pem').value = %q;
		document.querySelector('#cert-key').value = %q; return true; })()`, chain, otherKey))
	br.do("upload a mismatched pair", chromedp.Click(chromedp.ID("cert-upload")))
	br.untilText("#cert-msg", "does not match the certificate")
	br.shot("webui-https-cert-refused")

	br.do("regenerate", chromedp.Click(chromedp.ID("cert-regen")))
	br.do("confirm", chromedp.Click(chromedp.ID("cert-regen")))
	br.untilText("#cert-msg", "New certificate made")
	shown := js[string](br, "document.querySelector('#cert-fp').textContent")
	if got := fingerprint(served(t, addr).Raw); shown == fp || got != shown {
		t.Errorf("after regenerate the page shows %s, the box serves %s (was %s)", shown, got, fp)
	}
}

// newTLSBrowser is newBrowser for an HTTPS page whose certificate the
// caller has already checked.
func newTLSBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("ignore-certificate-errors", true), // the test checked the fingerprint first
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	br := &browser{t: t, ctx: ctx, base: base, arts: artifacts(t)}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		br.mu.Lock()
		defer br.mu.Unlock()
		if t.Failed() {
			t.Logf("browser console:\n%s", strings.Join(br.console, "\n"))
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	go br.collect(chromedp.Console(ctx))
	br.do("open the page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base))
	return br
}
