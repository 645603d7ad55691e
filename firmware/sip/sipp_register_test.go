package sip

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sippRegistrar is a UAS registrar: 401 with a challenge, then it checks
// the Authorization (200 if it verifies, else 403), then answers the
// un-REGISTER 200.
const sippRegistrar = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ivrbox registrar">
  <recv request="REGISTER"/>
  <send>
    <![CDATA[
      SIP/2.0 401 Unauthorized
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      WWW-Authenticate: Digest realm="sipp.test", nonce="4fa83c6b2c8d", algorithm=MD5
      Content-Length: 0
    ]]>
  </send>
  <recv request="REGISTER" check_it="true">
    <action>
      <verifyauth assign_to="authvalid" username="2001" password="PASSWORD"/>
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

// runSIPpRegistrar starts SIPp as a registrar expecting password on port
// and returns a channel with its result.
func runSIPpRegistrar(t *testing.T, port int, password string) <-chan error {
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		t.Skip("sipp not installed")
	}
	dir := t.TempDir()
	scen := filepath.Join(dir, "reg.xml")
	body := []byte(strings.ReplaceAll(sippRegistrar, "PASSWORD", password))
	if err := os.WriteFile(scen, body, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cmd := exec.CommandContext(ctx, sipp, "-sf", scen, "-m", "1", "-timeout", "20s", "-timeout_error",
		"-nostdin", "-t", "u1", "-i", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Dir = dir
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait(); cancel() }()
	return done
}

// TestSIPpRegistrar registers at SIPp: refused first (403, failed), then
// SIPp on the same port accepts the credentials and the registration
// recovers; Close un-registers.
func TestSIPpRegistrar(t *testing.T) {
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed")
	}
	port := freePort(t, "udp")
	first := runSIPpRegistrar(t, port, "not-the-password")
	phone := startServer(t, HandlerFunc(func(context.Context, *Dialog) {}))
	r := phone.Register(context.Background(), RegisterOptions{Registrar: "127.0.0.1:" + strconv.Itoa(port),
		User: "2001", Password: "s3cret", Retry: time.Second})
	states := regStates(r)
	st := awaitStatus(t, states, RegFailed)
	for st.Code == 0 { // SIPp not listening yet: retried
		st = awaitStatus(t, states, RegFailed)
	}
	if st.Code != 403 {
		t.Errorf("first attempt: %+v, want 403", st)
	}
	<-first
	second := runSIPpRegistrar(t, port, "s3cret")
	st = awaitStatus(t, states, RegRegistered)
	if st.Code != 200 {
		t.Errorf("second: %+v", st)
	}
	r.Close()
	if err := <-second; err != nil {
		t.Errorf("sipp: %v", err)
	}
}
