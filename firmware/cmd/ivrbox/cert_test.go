package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCertCommand: `ivrbox cert` makes and shows the certificate, shows
// the same one again, and `cert regenerate` replaces it; a config export
// holds neither the certificate nor its key.
func TestCertCommand(t *testing.T) {
	dir := t.TempDir()
	show := func(args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if err := run(append([]string{"cert"}, append(args, "-data", dir)...), &out, &errs); err != nil {
			t.Fatalf("cert %v: %v\n%s", args, err, errs.String())
		}
		line, _, _ := strings.Cut(out.String(), "\n")
		if !strings.HasPrefix(line, "fingerprint: SHA256 ") || len(line) != len("fingerprint: SHA256 ")+95 ||
			!strings.Contains(out.String(), "localhost") || !strings.Contains(out.String(), "not after:") {
			t.Fatalf("cert %v printed:\n%s", args, out.String())
		}
		return line
	}
	first := show()
	if again := show("show"); again != first {
		t.Errorf("show: %s, then %s", first, again)
	}
	if regen := show("regenerate"); regen == first {
		t.Error("regenerate kept the certificate")
	}
	var out, errs bytes.Buffer
	if err := run([]string{"config", "export", "-data", dir}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); strings.Contains(s, "PRIVATE KEY") || strings.Contains(s, "CERTIFICATE") {
		t.Error("the config export holds the certificate or its key")
	}
	if err := run([]string{"cert", "renew", "-data", dir}, &out, &errs); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("cert renew: %v", err)
	}
}
