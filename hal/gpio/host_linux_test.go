//go:build linux

package gpio

import "testing"

func TestByNumber(t *testing.T) {
	// Names that are not "GPIOn" are never looked up by number (this holds
	// on a Pi too), nor are line numbers past a chip's end.
	for _, name := range []string{"GPIO", "GPIOx", "17", "GPIO-1", "LED17", "GPIO9999"} {
		if p := byNumber(name); p != nil {
			t.Errorf("byNumber(%q) = %v", name, p)
		}
	}
}
