// Package sipptest runs SIPp for tests: a registrar that challenges with
// digest authentication and refuses (403) or accepts the credentials, for
// the tests of the SIP layer and of the trunks.
package sipptest

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

// sippRegistrar is a registrar: 401 with a digest challenge, then it checks
// the Authorization: 403 if it does not verify (and the scenario ends),
// else 200, and 200 to the un-REGISTER.
const sippRegistrar = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ivrbox test registrar">
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

// Registrar starts SIPp as a registrar on 127.0.0.1:port that accepts user
// with password, for one registration, and returns its result (nil when
// the scenario ran to its end). The test is skipped when sipp is not
// installed; SIPp is stopped when the test ends.
func Registrar(t testing.TB, port int, user, password string) <-chan error {
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
