package status

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/hal"
)

var update = flag.Bool("update", false, "rewrite testdata/show.golden")

// The states the tables cover, by name.
var states = []struct {
	name string
	st   State
}{
	{"booting", State{}},
	{"booting, error", State{Error: "sip: bind: address in use"}},
	{"ready, no trunk", State{Ready: true}},
	{"ready, trunk registered", State{Ready: true, Trunk: TrunkUp}},
	{"ready, trunk not registered", State{Ready: true, Trunk: TrunkDown}},
	{"call active", State{Ready: true, Trunk: TrunkUp, Calls: 2}},
	{"call active, no trunk", State{Ready: true, Calls: 1}},
	{"call active, trunk not registered", State{Ready: true, Trunk: TrunkDown, Calls: 1}},
	{"disk fault", State{Ready: true, Trunk: TrunkUp, DiskFault: true}},
	{"disk fault, call active", State{Ready: true, Trunk: TrunkUp, DiskFault: true, Calls: 1}},
	{"error", State{Ready: true, Error: "store: disk full"}},
	{"error, disk fault", State{Ready: true, Error: "x", DiskFault: true, Trunk: TrunkUp}},
}

func TestShow(t *testing.T) {
	want := map[string][3]string{ // 1 LED | 2 LEDs | 3 LEDs
		"booting":                           {"slow-blink", "slow-blink off", "slow-blink off off"},
		"booting, error":                    {"triple-blink", "slow-blink on", "slow-blink off on"},
		"ready, no trunk":                   {"on", "on off", "on off off"},
		"ready, trunk registered":           {"on", "on off", "on on off"},
		"ready, trunk not registered":       {"flash", "flash off", "on flash off"},
		"call active":                       {"heartbeat", "heartbeat off", "on heartbeat off"},
		"call active, no trunk":             {"heartbeat", "heartbeat off", "on heartbeat off"},
		"call active, trunk not registered": {"heartbeat", "heartbeat off", "on heartbeat off"},
		"disk fault":                        {"double-blink", "on double-blink", "on on double-blink"},
		"disk fault, call active":           {"double-blink", "heartbeat double-blink", "on heartbeat double-blink"},
		"error":                             {"triple-blink", "on on", "on off on"},
		"error, disk fault":                 {"triple-blink", "on on", "on on on"},
	}
	for _, c := range states {
		w, ok := want[c.name]
		if !ok {
			t.Fatalf("no expectation for %q", c.name)
		}
		for n := 1; n <= 3; n++ {
			if got := names(Show(c.st, n)); got != w[n-1] {
				t.Errorf("%s, %d LEDs: %s, want %s", c.name, n, got, w[n-1])
			}
		}
		if got := names(Show(c.st, 4)); got != w[2]+" off" {
			t.Errorf("%s, 4 LEDs: %s", c.name, got)
		}
		if got := Show(c.st, 0); len(got) != 0 {
			t.Errorf("%s, no LEDs: %v", c.name, got)
		}
	}
}

// TestShowDistinct checks that the six states the docs name look different
// on every group size.
func TestShowDistinct(t *testing.T) {
	named := []string{"booting", "ready, trunk not registered", "ready, trunk registered",
		"call active", "disk fault", "error"}
	for n := 1; n <= 3; n++ {
		seen := map[string]string{}
		for _, name := range named {
			st := lookupState(t, name)
			got := names(Show(st, n))
			if other, dup := seen[got]; dup {
				t.Errorf("%d LEDs: %q and %q both show %s", n, other, name, got)
			}
			seen[got] = name
		}
	}
}

func TestDisplayHold(t *testing.T) {
	for _, c := range states {
		for n := 0; n <= 3; n++ {
			if got, want := names(display(c.st, holdWarn, n)), strings.TrimSpace(strings.Repeat("fast-blink ", n)); got != want {
				t.Errorf("%s warn %d: %s", c.name, n, got)
			}
			if got, want := names(display(c.st, holdReset, n)), strings.TrimSpace(strings.Repeat("on ", n)); got != want {
				t.Errorf("%s reset %d: %s", c.name, n, got)
			}
			if got, want := names(display(c.st, holdNone, n)), names(Show(c.st, n)); got != want {
				t.Errorf("%s none %d: %s", c.name, n, got)
			}
		}
	}
}

// TestShowGolden keeps the full table, as docs/BOARD.md shows it, in
// testdata/show.golden.
func TestShowGolden(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-36s| %-14s| %-28s| %s\n", "state", "1 LED", "2 LEDs (status fault)", "3 LEDs (green yellow red)")
	for _, c := range states {
		fmt.Fprintf(&b, "%-36s| %-14s| %-28s| %s\n", c.name, names(Show(c.st, 1)), names(Show(c.st, 2)), names(Show(c.st, 3)))
	}
	path := filepath.Join("testdata", "show.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("table changed (run with -update and update docs/BOARD.md):\n%s", b.String())
	}
}

func lookupState(t *testing.T, name string) State {
	t.Helper()
	for _, c := range states {
		if c.name == name {
			return c.st
		}
	}
	t.Fatalf("no state %q", name)
	return State{}
}

func names(ps []hal.Pattern) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Name()
	}
	return strings.Join(s, " ")
}

func TestTrunkString(t *testing.T) {
	if TrunkNone.String() != "none" || TrunkDown.String() != "down" || TrunkUp.String() != "up" || Trunk(9).String() != "none" {
		t.Error("Trunk.String")
	}
}
