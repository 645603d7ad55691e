package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestDefaultsValid(t *testing.T) {
	if err := Validate(Defaults()); err != nil {
		t.Fatalf("Validate(Defaults()) = %v", err)
	}
}

// TestDefaultsGolden pins the factory configuration's export document; the
// same file is the example in docs/CONFIG.md. Run with -update after a
// deliberate change.
func TestDefaultsGolden(t *testing.T) {
	got, err := Marshal(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "defaults.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Marshal(Defaults()) differs from %s (run go test -update):\n%s", golden, got)
	}
	back, err := Import(want)
	if err != nil {
		t.Fatalf("Import(golden) = %v", err)
	}
	if !reflect.DeepEqual(back, Defaults()) {
		t.Errorf("Import(golden) = %+v, want Defaults()", back)
	}
}

// TestDefaultsFlow checks the seed's flow: 6500 --1--> 6501, code → hold
// prompts → 6501 again; 6502 and 6503 exist for the API to move calls to.
func TestDefaultsFlow(t *testing.T) {
	c := Defaults()
	i, ok := c.IVR("6500")
	if !ok || i.Keys["1"] != (Action{Type: ActIVR, Target: "6501"}) || i.Rounds() != 2 {
		t.Errorf("6500 = %+v", i)
	}
	for _, n := range []string{"6501", "6503"} {
		i, ok := c.IVR(n)
		if !ok || i.Collect == nil || i.Collect.Term() != "#" || i.Collect.AfterAction().Type != ActRepeat ||
			len(i.Collect.HoldPrompts) != 4 || i.FirstKeyWait().Seconds() != 4 {
			t.Errorf("%s = %+v", n, i)
		}
	}
	i, ok = c.IVR("6502")
	if !ok || i.Rounds() != 1 || i.TimeoutAction().Type != ActHangup {
		t.Errorf("6502 = %+v", i)
	}
	if c.System.DisplayName() != "ivrbox" || c.System.CallLimit() != 4000 || c.System.SN != "" {
		t.Errorf("system = %+v", c.System)
	}
	// Each call returns fresh slices and maps.
	c.IVRs[0].Prompts[0] = "changed"
	c.IVRs[1].Collect.HoldPrompts[0] = "changed"
	if d := Defaults(); d.IVRs[0].Prompts[0] != PromptNotice || d.IVRs[1].Collect.HoldPrompts[0] != PromptHoldOn {
		t.Error("Defaults shares state between calls")
	}
}
