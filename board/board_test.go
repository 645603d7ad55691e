package board

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"Raspberry Pi 4 Model B Rev 1.4\x00":      "pi4",
		"Raspberry Pi 5 Model B Rev 1.0\x00":      "pi5",
		"Raspberry Pi Zero 2 W Rev 1.0\x00":       "pi-zero-2w",
		"Raspberry Pi 3 Model B Plus Rev 1.3\x00": "pi3",
		"Some Other Board\x00":                    "generic",
	}
	for model, want := range cases {
		f := filepath.Join(dir, "model")
		if err := os.WriteFile(f, []byte(model), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := Detect(f).Name; got != want {
			t.Errorf("Detect(%q) = %s, want %s", model, got, want)
		}
	}
	if got := Detect(filepath.Join(dir, "missing")).Name; got != "generic" {
		t.Errorf("missing model file: %s", got)
	}
}

func TestLookup(t *testing.T) {
	if p, err := Lookup("sim", ""); err != nil || p.Name != "sim" {
		t.Fatalf("sim: %v %v", p, err)
	}
	if _, err := Lookup("pi9", ""); err == nil {
		t.Fatal("unknown board accepted")
	}
}
