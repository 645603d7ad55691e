package call

import "testing"

func TestContactTransport(t *testing.T) {
	for contact, want := range map[string]string{
		"sip:1000@10.0.0.5:5060":                 "UDP",
		"sip:1000@10.0.0.5:5060;transport=udp":   "UDP",
		"sip:1000@10.0.0.5:5060;transport=TCP":   "TCP",
		"sip:1000@10.0.0.5:5061;transport=tls":   "TLS",
		"sips:1000@10.0.0.5:5061":                "TLS",
		"<sips:1000@10.0.0.5:5061;ob>":           "TLS",
		"sip:1000@10.0.0.5;ob;transport=tls;x=1": "TLS",
	} {
		if got := contactTransport(contact); got != want {
			t.Errorf("contactTransport(%q) = %q, want %q", contact, got, want)
		}
	}
}
