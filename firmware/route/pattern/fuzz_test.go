package pattern

import (
	"strings"
	"testing"
)

var fuzzSeeds = []struct{ pattern, number string }{
	{"_1XX.", "1001"},
	{"_X.#", "123#"},
	{"_[13-5]N!", "32"},
	{"10086", "10086"},
	{"_1-800-NXX-XXXX", "18002345678"},
	{"_!.!.!", "ab"},
	{"_1Q.", "1"},
	{"_[5-1]", "3"},
	{"_[12", "1"},
}

// FuzzCompile: Compile never panics; a compiled pattern keeps its text and
// agrees with the reference matcher on numbers made from the pattern itself.
// Seeds: testdata/fuzz/FuzzCompile and fuzzSeeds.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.pattern)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Compile(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("String() = %q, want %q", p.String(), s)
		}
		for _, n := range []string{"", s, strings.TrimPrefix(s, "_"), "0123456789", "1", "#", strings.Repeat("9", 20)} {
			if got, want := p.Match(n), refMatch(s, n); got != want {
				t.Fatalf("%q.Match(%q) = %v, reference %v", s, n, got, want)
			}
		}
	})
}

// FuzzMatch: for any pattern that compiles and any number, Match never
// panics and agrees with the reference matcher. Seeds:
// testdata/fuzz/FuzzMatch and fuzzSeeds.
func FuzzMatch(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.pattern, s.number)
	}
	f.Fuzz(func(t *testing.T, s, number string) {
		if len(number) > 200 {
			number = number[:200]
		}
		p, err := Compile(s)
		if err != nil {
			return
		}
		if got, want := p.Match(number), refMatch(s, number); got != want {
			t.Fatalf("%q.Match(%q) = %v, reference %v", s, number, got, want)
		}
	})
}
