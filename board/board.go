// Package board knows the boards ivrbox runs on: their names, how to detect
// them from the device tree, and (with the HAL) which LEDs and buttons they
// have. It never imports firmware/ or api/.
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
}

var profiles = []Profile{
	{Name: "pi-zero-2w", Model: "Raspberry Pi Zero 2 W"},
	{Name: "pi3", Model: "Raspberry Pi 3"},
	{Name: "pi4", Model: "Raspberry Pi 4"},
	{Name: "pi5", Model: "Raspberry Pi 5"},
	{Name: "generic"},
	{Name: "sim"},
}

// Names lists the known profile names, sorted, plus "auto".
func Names() []string {
	out := []string{"auto"}
	for _, p := range profiles {
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
	for _, p := range profiles {
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
		for _, p := range profiles {
			if p.Model != "" && strings.HasPrefix(model, p.Model) {
				return p
			}
		}
	}
	return Profile{Name: "generic"}
}
