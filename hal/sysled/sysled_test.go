package sysled

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/hal"
)

// fakeLED makes root/name like the kernel's LED class directory.
func fakeLED(t *testing.T, root, name, trigger, max string) {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"brightness": "255\n", "trigger": trigger}
	if max != "" {
		files["max_brightness"] = max
	}
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func read(t *testing.T, root, name, attr string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name, attr))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenSetClose(t *testing.T) {
	root := t.TempDir()
	fakeLED(t, root, "ACT", "none rc-feedback [mmc0] timer heartbeat\n", "255\n")
	l, err := Open(root, "ACT", "act")
	if err != nil {
		t.Fatal(err)
	}
	if l.Name() != "act" || l.Trigger() != "mmc0" {
		t.Errorf("name %q trigger %q", l.Name(), l.Trigger())
	}
	if got := read(t, root, "ACT", "trigger"); got != "none" {
		t.Errorf("trigger after open: %q", got)
	}
	if got := read(t, root, "ACT", "brightness"); got != "0" {
		t.Errorf("brightness after open: %q", got)
	}
	for _, c := range []struct {
		on   bool
		want string
	}{{true, "255"}, {false, "0"}, {true, "255"}} {
		if err := l.Set(c.on); err != nil {
			t.Fatal(err)
		}
		if got := read(t, root, "ACT", "brightness"); got != c.want {
			t.Errorf("Set(%v): brightness %q want %q", c.on, got, c.want)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := read(t, root, "ACT", "trigger"); got != "mmc0" {
		t.Errorf("trigger not restored: %q", got)
	}
	if got := read(t, root, "ACT", "brightness"); got != "0" {
		t.Errorf("brightness after close: %q", got)
	}
	// Close is idempotent: a second call must not clobber a trigger set since.
	if err := os.WriteFile(filepath.Join(root, "ACT", "trigger"), []byte("heartbeat"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
	if got := read(t, root, "ACT", "trigger"); got != "heartbeat" {
		t.Errorf("second Close wrote the trigger: %q", got)
	}
}

func TestOpenDefaults(t *testing.T) {
	root := t.TempDir()
	fakeLED(t, root, "led0", "[none] mmc0", "") // no max_brightness: on is 1
	l, err := Open(root, "led0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Name() != "led0" || l.Trigger() != "none" {
		t.Errorf("name %q trigger %q", l.Name(), l.Trigger())
	}
	_ = l.Set(true)
	if got := read(t, root, "led0", "brightness"); got != "1" {
		t.Errorf("brightness %q", got)
	}
}

func TestOpenErrors(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"", ".", "..", "../etc", "a/b", `a\b`} {
		if _, err := Open(root, name, ""); !errors.Is(err, errName) {
			t.Errorf("Open(%q): %v", name, err)
		}
		if Exists(root, name) {
			t.Errorf("Exists(%q)", name)
		}
	}
	if _, err := Open(root, "PWR", ""); err == nil {
		t.Error("missing LED opened")
	}
	if Exists(root, "PWR") {
		t.Error("Exists(PWR) in an empty root")
	}
	// Nothing may be created by a failed open.
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("root not empty: %v", ents)
	}
}

func TestDriver(t *testing.T) {
	root := t.TempDir()
	fakeLED(t, root, "ACT", "[mmc0]", "1")
	fakeLED(t, root, "PWR", "[default-on]", "1")
	drv, ok := hal.Lookup(Name)
	if !ok {
		t.Fatal("sysled not registered")
	}
	devs, err := drv.Open(hal.Config{Root: root, LEDs: []hal.LEDSpec{{Name: "act", Pin: "ACT"}, {Name: "PWR"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(devs.LEDs) != 2 || devs.LEDs[0].Name() != "act" || devs.LEDs[1].Name() != "PWR" {
		t.Fatalf("leds %v", devs.LEDs)
	}
	if err := devs.Close(); err != nil {
		t.Fatal(err)
	}
	if read(t, root, "PWR", "trigger") != "default-on" || read(t, root, "ACT", "trigger") != "mmc0" {
		t.Error("triggers not restored by Devices.Close")
	}
	// All or nothing: the missing LED undoes the opened one. (The kernel
	// shows the trigger in brackets; the fake file must too.)
	fakeLED(t, root, "ACT", "none [mmc0]", "1")
	_, err = drv.Open(hal.Config{Root: root, LEDs: []hal.LEDSpec{{Name: "ACT"}, {Name: "missing"}}})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing LED: %v", err)
	}
	if read(t, root, "ACT", "trigger") != "mmc0" {
		t.Error("failed Open left ACT taken over")
	}
	if _, err := drv.Open(hal.Config{Root: root, Buttons: []hal.ButtonSpec{{Name: "b"}}}); !errors.Is(err, errButtons) {
		t.Errorf("buttons: %v", err)
	}
}

func TestCurrent(t *testing.T) {
	for in, want := range map[string]string{
		"none [mmc0] timer": "mmc0", "[none]": "none", "none timer": "", "": "", "[] x": "",
	} {
		if got := current(in); got != want {
			t.Errorf("current(%q) = %q want %q", in, got, want)
		}
	}
}

// FuzzCurrent feeds trigger-file contents to current: it must never panic
// and return either "" or one bracketed word without brackets or spaces.
func FuzzCurrent(f *testing.F) {
	for _, s := range []string{"none [mmc0] timer", "[none]", "", "[", "[]", "[a b]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := current(s)
		if got == "" {
			return
		}
		if strings.ContainsAny(got, " \t\n") || !strings.Contains(s, "["+got+"]") {
			t.Errorf("current(%q) = %q", s, got)
		}
	})
}
