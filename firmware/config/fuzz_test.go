package config

import (
	"bytes"
	"os"
	"testing"
)

// FuzzImport feeds arbitrary documents to Import: it must never panic, and
// whatever it accepts must be valid and survive an export/import round trip
// unchanged. Seeds: testdata/fuzz/FuzzImport and the cases below.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"testdata/defaults.json", "testdata/telephony.json"} {
		if golden, err := os.ReadFile(name); err == nil {
			f.Add(golden)
		}
	}
	f.Add([]byte(v1Doc))
	f.Add([]byte(`{"version": 2, "ivrs": [{"number": "1", "prompts": ["${EXTEN}"], "keys": {"#": {"type": "api"}}}]}`))
	f.Add([]byte(`{"version": 2, "ivrs": [{"number": "1", "repeat": 1e30}]}`))
	f.Add([]byte(`{"version": 2, "nope": 1}`))
	f.Add([]byte(`{"version": 3}`))
	f.Add([]byte(`{"version":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Import(data)
		if err != nil {
			return
		}
		if err := Validate(c); err != nil {
			t.Fatalf("Import accepted an invalid config: %v", err)
		}
		out, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Import(out)
		if err != nil {
			t.Fatalf("re-import of %s: %v", out, err)
		}
		again, err := Marshal(back)
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("round trip changed the document:\n%s\n%s", out, again)
		}
	})
}
