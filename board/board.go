// Package board knows the boards ivrbox runs on: their names, how to detect
// them from the device tree, where their LEDs and button are (Pins), and how
// to open them through the hal drivers (Open). It never imports firmware/ or
// api/, and it never decides what an LED shows (firmware/status does).
package board

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Profile describes one kind of board.
type Profile struct {
	// Name is the profile's name, as given to -board.
	Name string
	// Model is the prefix of /proc/device-tree/model that identifies it;
	// empty for profiles that are never detected (sim, generic).
	Model string
	// Pins is where the board's LEDs and button are by default; the config
	// may replace it (Options.Pins).
	Pins Pins
}

// profiles is the list of known boards (Detect relies on the order: a
// model prefix must come before any shorter prefix of it). Each Profile is
// built fresh, so callers may change what they get.
func profiles() []Profile {
	return []Profile{
		{Name: "pi-zero-2w", Model: "Raspberry Pi Zero 2 W", Pins: piPins(1)},
		{Name: "pi3", Model: "Raspberry Pi 3", Pins: piPins(2)},
		{Name: "pi4", Model: "Raspberry Pi 4", Pins: piPins(2)},
		{Name: "pi5", Model: "Raspberry Pi 5", Pins: piPins(2)},
		{Name: "generic", Pins: Pins{Onboard: onboard(2)}},
		{Name: "sim", Pins: Pins{LEDs: []int{17, 27, 22}, Button: 23}},
	}
}

// Names lists the known profile names, sorted, plus "auto".
func Names() []string {
	out := []string{"auto"}
	for _, p := range profiles() {
		out = append(out, p.Name)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the profile called name. "auto" (or "") detects the board
// from modelFile (normally /proc/device-tree/model) and falls back to generic.
func Lookup(name, modelFile string) (Profile, error) {
	if name == "" || name == "auto" {
		return Detect(modelFile), nil
	}
	for _, p := range profiles() {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("board: unknown board %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Detect reads the device-tree model and returns the matching profile, or
// generic when the file is missing or names no known board.
func Detect(modelFile string) Profile {
	b, err := os.ReadFile(modelFile)
	if err == nil {
		model := strings.TrimRight(string(b), "\x00\n")
		for _, p := range profiles() {
			if p.Model != "" && strings.HasPrefix(model, p.Model) {
				return p
			}
		}
	}
	p, _ := Lookup("generic", "")
	return p
}
