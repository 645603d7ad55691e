package board

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/hal"
	"github.com/ivrbox/ivrbox/hal/haltest"
)

func TestProfilePins(t *testing.T) {
	act, pwr := []string{"ACT", "led0"}, []string{"PWR", "led1"}
	header := []int{17, 27, 22}
	cases := map[string]Pins{
		"pi-zero-2w": {LEDs: header, Button: 23, Onboard: [][]string{act}},
		"pi3":        {LEDs: header, Button: 23, Onboard: [][]string{act, pwr}},
		"pi4":        {LEDs: header, Button: 23, Onboard: [][]string{act, pwr}},
		"pi5":        {LEDs: header, Button: 23, Onboard: [][]string{act, pwr}},
		"generic":    {Onboard: [][]string{act, pwr}},
		"sim":        {LEDs: header, Button: 23},
	}
	for name, want := range cases {
		p, err := Lookup(name, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.Pins, want) {
			t.Errorf("%s pins %+v, want %+v", name, p.Pins, want)
		}
		if err := p.Pins.Validate(); err != nil {
			t.Errorf("%s: default pins invalid: %v", name, err)
		}
	}
	if len(cases)+1 != len(Names()) {
		t.Errorf("profiles %v not all covered", Names())
	}
	// Profiles are handed out fresh: changing one changes nothing else.
	p, _ := Lookup("pi4", "")
	p.Pins.LEDs[0] = 5
	p.Pins.Onboard[0][0] = "x"
	if q, _ := Lookup("pi4", ""); q.Pins.LEDs[0] != 17 || q.Pins.Onboard[0][0] != "ACT" {
		t.Error("Lookup shares the profile table")
	}
}

func TestDetectMorePis(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "model")
	for model, want := range map[string]string{
		"Raspberry Pi 3 Model B Rev 1.2\x00":        "pi3",
		"Raspberry Pi Compute Module 4 Rev 1.0\x00": "generic",
		"Raspberry Pi 5 Model B Rev 1.0\n":          "pi5",
	} {
		if err := os.WriteFile(f, []byte(model), 0o644); err != nil {
			t.Fatal(err)
		}
		p := Detect(f)
		if p.Name != want {
			t.Errorf("Detect(%q) = %s, want %s", model, p.Name, want)
		}
		if want := mustLookup(t, want).Pins; !reflect.DeepEqual(p.Pins, want) {
			t.Errorf("Detect(%q): pins %+v", model, p.Pins)
		}
	}
}

func mustLookup(t *testing.T, name string) Profile {
	t.Helper()
	p, err := Lookup(name, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidate(t *testing.T) {
	cases := []struct {
		pins Pins
		want string // "" for valid
	}{
		{Pins{}, ""},
		{Pins{LEDs: []int{17}}, ""},
		{Pins{LEDs: []int{2, 27}, Button: 3, LEDActiveLow: true, ButtonActiveHigh: true}, ""},
		{Pins{LEDs: []int{5, 6, 13, 19}}, "4 LEDs"},
		{Pins{LEDs: []int{0}}, "GPIO 0"},
		{Pins{LEDs: []int{28}}, "GPIO 28"},
		{Pins{Button: 1}, "GPIO 1"},
		{Pins{Button: -4}, "GPIO -4"},
		{Pins{LEDs: []int{17, 17}}, "used twice"},
		{Pins{LEDs: []int{23}, Button: 23}, "used twice"},
		{Pins{Onboard: [][]string{{"a"}, {"b"}, {"c"}}}, "3 on-board"},
		{Pins{Onboard: [][]string{{}}}, "no name"},
		{Pins{Onboard: [][]string{{"../x"}}}, `"../x"`},
		{Pins{Onboard: [][]string{{".."}}}, `".."`},
		{Pins{Onboard: [][]string{{""}}}, `""`},
	}
	for _, c := range cases {
		err := c.pins.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.pins, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, errPins)):
			t.Errorf("%+v: %v, want error containing %q", c.pins, err, c.want)
		}
	}
	// Every problem is reported at once.
	err := Pins{LEDs: []int{0, 99}, Button: 1}.Validate()
	if err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("want three problems, got %v", err)
	}
}

// fakeGPIO is a "gpio" driver that opens haltest devices, or fails.
type fakeGPIO struct {
	fail error
	got  []hal.Config
}

func (f *fakeGPIO) Name() string { return "gpio" }

func (f *fakeGPIO) Open(cfg hal.Config) (*hal.Devices, error) {
	f.got = append(f.got, cfg)
	if f.fail != nil {
		return nil, f.fail
	}
	var leds []hal.LED
	for _, s := range cfg.LEDs {
		leds = append(leds, haltest.NewLED(s.Name, nil))
	}
	var btns []hal.Button
	for _, s := range cfg.Buttons {
		btns = append(btns, haltest.NewButton(s.Name))
	}
	return hal.NewDevices(leds, btns, nil), nil
}

// ledRoot makes a fake /sys/class/leds with the named LEDs.
func ledRoot(t *testing.T, names ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, n := range names {
		dir := filepath.Join(root, n)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, v := range map[string]string{"brightness": "0", "trigger": "none [mmc0]", "max_brightness": "1"} {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func names(leds []hal.LED) []string {
	var out []string
	for _, l := range leds {
		out = append(out, l.Name())
	}
	return out
}

func groupNames(h *Hardware) [][]string {
	var out [][]string
	for _, g := range h.Groups {
		out = append(out, names(g))
	}
	return out
}

// withDrivers makes opt use gpio instead of the real GPIO driver.
func withDrivers(opt Options, gpio hal.Driver) Options {
	opt.lookup = func(name string) (hal.Driver, bool) {
		if name == "gpio" {
			return gpio, true
		}
		return hal.Lookup(name)
	}
	return opt
}

func TestOpenPi(t *testing.T) {
	cases := []struct {
		board  string
		leds   []string // in the LED class
		groups [][]string
	}{
		{"pi4", []string{"ACT", "PWR", "mmc0::"}, [][]string{{"green", "yellow", "red"}, {"ACT", "PWR"}}},
		{"pi3", []string{"led0", "led1"}, [][]string{{"green", "yellow", "red"}, {"led0", "led1"}}},
		{"pi5", []string{"ACT"}, [][]string{{"green", "yellow", "red"}, {"ACT"}}},
		{"pi-zero-2w", []string{"ACT", "PWR"}, [][]string{{"green", "yellow", "red"}, {"ACT"}}},
		{"pi4", nil, [][]string{{"green", "yellow", "red"}}},
	}
	for _, c := range cases {
		gpio := &fakeGPIO{}
		h, err := Open(mustLookup(t, c.board), withDrivers(Options{LEDRoot: ledRoot(t, c.leds...)}, gpio))
		if err != nil {
			t.Fatal(err)
		}
		if got := groupNames(h); !reflect.DeepEqual(got, c.groups) {
			t.Errorf("%s with %v: groups %v want %v", c.board, c.leds, got, c.groups)
		}
		if len(h.Buttons) != 1 || h.Buttons[0].Name() != "button" || h.Sim != nil || len(h.Skipped) != 0 {
			t.Errorf("%s: buttons %v sim %v skipped %v", c.board, h.Buttons, h.Sim, h.Skipped)
		}
		wantLEDs := []hal.LEDSpec{{Name: "green", Pin: "GPIO17"}, {Name: "yellow", Pin: "GPIO27"}, {Name: "red", Pin: "GPIO22"}}
		if len(gpio.got) != 2 || !slices.Equal(gpio.got[0].LEDs, wantLEDs) ||
			!slices.Equal(gpio.got[1].Buttons, []hal.ButtonSpec{{Name: "button", Pin: "GPIO23"}}) {
			t.Errorf("%s: gpio asked for %+v", c.board, gpio.got)
		}
		if err := h.Close(); err != nil {
			t.Error(err)
		}
		_ = h.Close()
	}
}

func TestOpenWithoutGPIO(t *testing.T) {
	gpio := &fakeGPIO{fail: errors.New("no GPIO chips found")}
	root := ledRoot(t, "ACT", "PWR")
	h, err := Open(mustLookup(t, "pi5"), withDrivers(Options{LEDRoot: root}, gpio))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got := groupNames(h); !reflect.DeepEqual(got, [][]string{{"ACT", "PWR"}}) {
		t.Errorf("groups %v", got)
	}
	if len(h.Buttons) != 0 || len(h.Skipped) != 2 || !strings.Contains(h.Skipped[0].Error(), "GPIO17") {
		t.Errorf("buttons %v skipped %v", h.Buttons, h.Skipped)
	}
	// The on-board LEDs were taken over, and are given back by Close.
	if b, _ := os.ReadFile(filepath.Join(root, "ACT", "trigger")); string(b) != "none" {
		t.Errorf("ACT trigger %q", b)
	}
	_ = h.Close()
	if b, _ := os.ReadFile(filepath.Join(root, "ACT", "trigger")); string(b) != "mmc0" {
		t.Errorf("ACT trigger after Close %q", b)
	}
}

func TestOpenOverride(t *testing.T) {
	gpio := &fakeGPIO{}
	pins := Pins{LEDs: []int{5, 6}, Button: 26, LEDActiveLow: true, ButtonActiveHigh: true}
	h, err := Open(mustLookup(t, "pi4"), withDrivers(Options{Pins: &pins, LEDRoot: ledRoot(t, "ACT")}, gpio))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got := groupNames(h); !reflect.DeepEqual(got, [][]string{{"green", "red"}}) {
		t.Errorf("groups %v", got)
	}
	want := []hal.LEDSpec{{Name: "green", Pin: "GPIO5", ActiveLow: true}, {Name: "red", Pin: "GPIO6", ActiveLow: true}}
	if !slices.Equal(gpio.got[0].LEDs, want) || !gpio.got[1].Buttons[0].ActiveHigh || gpio.got[1].Buttons[0].Pin != "GPIO26" {
		t.Errorf("gpio asked for %+v", gpio.got)
	}
	bad := Pins{LEDs: []int{1}}
	if _, err := Open(mustLookup(t, "pi4"), Options{Pins: &bad}); !errors.Is(err, errPins) {
		t.Errorf("bad pins: %v", err)
	}
}

func TestOpenGenericWithoutLEDs(t *testing.T) {
	h, err := Open(mustLookup(t, "generic"), Options{LEDRoot: ledRoot(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if len(h.Groups) != 0 || len(h.Buttons) != 0 || len(h.Skipped) != 0 {
		t.Errorf("generic without LEDs: %+v", h)
	}
}

func TestOpenSim(t *testing.T) {
	defer haltest.CheckGoroutines(t)()
	clk := haltest.NewClock()
	h, err := Open(mustLookup(t, "sim"), Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if h.Sim == nil {
		t.Fatal("no sim board")
	}
	if got := groupNames(h); !reflect.DeepEqual(got, [][]string{{"green", "yellow", "red"}}) {
		t.Errorf("groups %v", got)
	}
	if got := h.Sim.Buttons(); !slices.Equal(got, []string{"button"}) || len(h.Buttons) != 1 {
		t.Errorf("buttons %v", got)
	}
	if err := h.Sim.Press("button", time.Second); err != nil {
		t.Fatal(err)
	}
	if !h.Buttons[0].Pressed() {
		t.Error("press not seen by the hal button")
	}
	// A sim shaped like a bare Pi.
	pins := Pins{Onboard: [][]string{{"ACT", "led0"}, {"PWR", "led1"}}, Button: 23}
	h2, err := Open(mustLookup(t, "sim"), Options{Pins: &pins})
	if err != nil {
		t.Fatal(err)
	}
	if got := groupNames(h2); !reflect.DeepEqual(got, [][]string{{"ACT", "PWR"}}) {
		t.Errorf("bare-Pi sim groups %v", got)
	}
	_ = h2.Close()
	_ = h.Close()
	if h.Buttons[0].Pressed() {
		t.Error("Close left the sim button pressed")
	}
}
