package call

import (
	"regexp"
	"testing"
	"time"
)

// Two boxes started in the same millisecond hand out different ids, every
// one in the vendor's digits.digits shape.
func TestIDsUniqueAcrossBoxes(t *testing.T) {
	at := time.UnixMilli(1764770000123)
	clock := func() time.Time { return at }
	pairs := [][2]string{
		{"123456789012", "123456789013"}, // neighbours
		{"100000000001", "100000000010"}, // same digits, moved
		{"12", "120"},                    // short serials: zero-padded
		{"", "IVR-A7"},                   // none and a non-numeric one: hashed
	}
	shape := regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
	for _, p := range pairs {
		a, b := newIDGen(p[0], clock), newIDGen(p[1], clock)
		seen := map[string]string{}
		for range 5000 {
			for name, g := range map[string]*idGen{p[0]: a, p[1]: b} {
				id, leg := g.next()
				for _, v := range []string{id, leg} {
					if !shape.MatchString(v) {
						t.Fatalf("serial %q: id %q is not digits.digits", name, v)
					}
					if other, dup := seen[v]; dup {
						t.Fatalf("id %q handed out by serial %q and %q", v, other, name)
					}
					seen[v] = name
				}
			}
		}
	}
}

// A box restarted within the same second (a later millisecond) does not hand
// out the ids of its previous run.
func TestIDsUniqueAcrossRestarts(t *testing.T) {
	first := newIDGen("555000111222", func() time.Time { return time.UnixMilli(1764770000100) })
	second := newIDGen("555000111222", func() time.Time { return time.UnixMilli(1764770000101) })
	seen := map[string]bool{}
	for range 400 { // fewer calls than 1000/2 per millisecond of start
		id, leg := first.next()
		seen[id], seen[leg] = true, true
	}
	for range 400 {
		id, leg := second.next()
		if seen[id] || seen[leg] {
			t.Fatalf("restarted box reused %q or %q", id, leg)
		}
	}
}
