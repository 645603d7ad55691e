package trunk

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/status"
)

// sippRegistrar is a registrar: 401 with a digest challenge, then it checks
// the Authorization: 403 if it does not verify (and the scenario ends),
// else 200, and 200 to the un-REGISTER.
const sippRegistrar = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="trunk registrar">
  <recv request="REGISTER"/>
  <send>
    <![CDATA[
      SIP/2.0 401 Unauthorized
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      WWW-Authenticate: Digest realm="provider.test", nonce="4fa83c6b2c8d", algorithm=MD5
      Content-Length: 0
    ]]>
  </send>
  <recv request="REGISTER" check_it="true">
    <action>
      <verifyauth assign_to="authvalid" username="USER" password="PASSWORD"/>
    </action>
  </recv>
  <nop hide="true" test="authvalid" next="good"/>
  <send next="end">
    <![CDATA[
      SIP/2.0 403 Forbidden
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <label id="good"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Contact:];expires=120
      Content-Length: 0
    ]]>
  </send>
  <recv request="REGISTER"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <label id="end"/>
</scenario>
`

// runSIPpRegistrar starts SIPp as a registrar on port that accepts user
// with password, for one registration, and returns its result.
func runSIPpRegistrar(t *testing.T, port int, user, password string) <-chan error {
	t.Helper()
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		t.Skip("sipp not installed")
	}
	dir := t.TempDir()
	scen := filepath.Join(dir, "reg.xml")
	body := strings.NewReplacer("USER", user, "PASSWORD", password).Replace(sippRegistrar)
	if err := os.WriteFile(scen, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	cmd := exec.CommandContext(ctx, sipp, "-sf", scen, "-m", "1", "-timeout", "30s", "-timeout_error",
		"-nostdin", "-t", "u1", "-i", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done, exited := make(chan error, 1), make(chan struct{})
	go func() { done <- cmd.Wait(); cancel(); close(exited) }()
	t.Cleanup(func() { cancel(); <-exited })
	return done
}

// TestSIPpRegistrar: a register trunk at a SIPp registrar that challenges
// with digest. Refused (403) it shows as failed with the reason; once the
// registrar accepts the credentials it recovers by itself (retry with
// back-off); Close un-registers.
func TestSIPpRegistrar(t *testing.T) {
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed")
	}
	port := freeUDPPort(t)
	first := runSIPpRegistrar(t, port, "2001", "not-the-password")

	srv := startServer(t)
	sec := newSecrets(config.TrunkSecretKey("provider"), "s3cret")
	rec := newStates()
	var m *Manager
	m = newTestManager(t, Options{SIP: srv, Secret: sec.Secret, Retry: 200 * time.Millisecond,
		Log: testLog(), OnChange: rec.watch(&m, "provider")})
	m.Apply(trunks(config.Trunk{Name: "provider", Type: config.TrunkRegister, Host: "127.0.0.1:" + strconv.Itoa(port),
		Domain: "provider.test", User: "2001", Expiry: 120}))

	failed := rec.await(t, StatusFailed, "403 Forbidden")
	if st := m.State("provider"); st.Status != StatusFailed || m.Summary() != status.TrunkDown {
		t.Errorf("after the refusal: %+v, summary %v", st, m.Summary())
	}
	if err := <-first; err != nil {
		t.Errorf("first sipp: %v", err)
	}

	second := runSIPpRegistrar(t, port, "2001", "s3cret")
	st := rec.await(t, StatusRegistered, "")
	if !st.Since.After(failed.Since) || m.Summary() != status.TrunkUp {
		t.Errorf("registered %+v after failed %+v, summary %v", st, failed, m.Summary())
	}
	m.Close() // un-REGISTER: the second scenario ends
	if err := <-second; err != nil {
		t.Errorf("second sipp: %v", err)
	}
}
