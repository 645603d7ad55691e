package board

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zero := write("zero", "MemTotal:         439964 kB\nMemFree:          300000 kB\n")
	big := write("big", "MemFree: 1 kB\nMemTotal:        8000000 kB\n")
	tiny := write("tiny", "MemTotal:         200000 kB\n")
	pi, _ := Lookup("pi-zero-2w", "")
	sim, _ := Lookup("sim", "")
	for _, c := range []struct {
		p    Profile
		file string
		want int64
	}{
		{pi, zero, 439964<<10 - memReserve},
		{pi, big, 8000000<<10 - memReserve},
		{pi, tiny, 200000 << 10 / 2}, // the reserve would leave less than half
		{sim, "/nonexistent", SimMemory - memReserve},
	} {
		got, err := c.p.MemoryLimit(c.file)
		if err != nil || got != c.want {
			t.Errorf("%s %s: %d, %v; want %d", c.p.Name, filepath.Base(c.file), got, err, c.want)
		}
	}
	for _, bad := range []string{"/nonexistent", write("none", "MemFree: 1 kB\n"), write("junk", "MemTotal: lots kB\n")} {
		if _, err := pi.MemoryLimit(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
