package trunk

import (
	"strconv"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
	"github.com/ivrbox/ivrbox/firmware/status"
)

// TestSIPpRegistrar: a register trunk at a SIPp registrar that challenges
// with digest. Refused (403) it shows as failed with the reason; once the
// registrar accepts the credentials it recovers by itself (retry with
// back-off); Close un-registers.
func TestSIPpRegistrar(t *testing.T) {
	sipptest.NeedTool(t, "sipp")
	port := freeUDPPort(t)
	first := sipptest.Registrar(t, port, "2001", "not-the-password")

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

	second := sipptest.Registrar(t, port, "2001", "s3cret")
	st := rec.await(t, StatusRegistered, "")
	if !st.Since.After(failed.Since) || m.Summary() != status.TrunkUp {
		t.Errorf("registered %+v after failed %+v, summary %v", st, failed, m.Summary())
	}
	m.Close() // un-REGISTER: the second scenario ends
	if err := <-second; err != nil {
		t.Errorf("second sipp: %v", err)
	}
}
