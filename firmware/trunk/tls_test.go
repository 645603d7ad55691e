package trunk

import (
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// TestRegisterOptionsTLS: a TLS trunk registers at port 5061 by default,
// its certificate checked against Host's name and its CA; others carry
// neither.
func TestRegisterOptionsTLS(t *testing.T) {
	m := New(Options{Log: testLog()})
	tr := config.Trunk{Name: "p", Type: config.TrunkRegister, Host: "sip.example.net", Transport: "tls", User: "u",
		CAPEM: "-----BEGIN CERTIFICATE-----"}
	ro := m.registerOptions(tr, "pw")
	if ro.Registrar != "sip.example.net:5061" || ro.Transport != "TLS" || ro.ServerName != "sip.example.net" || ro.CA != tr.CAPEM {
		t.Errorf("TLS trunk: %+v", ro)
	}
	tr.Transport, tr.CAPEM, tr.Host = "tcp", "", "10.0.0.1:5070"
	if ro := m.registerOptions(tr, "pw"); ro.ServerName != "" || ro.CA != "" || ro.Registrar != "10.0.0.1:5070" {
		t.Errorf("TCP trunk: %+v", ro)
	}
}
