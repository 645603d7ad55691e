package builtin

import (
	"io/fs"
	"slices"
	"testing"
)

func TestNames(t *testing.T) {
	want := []string{
		"beep", "confirm",
		"digits/0", "digits/1", "digits/2", "digits/3", "digits/4",
		"digits/5", "digits/6", "digits/7", "digits/8", "digits/9",
		"dot", "holdon", "ipaddress", "music", "notice", "ok", "password", "password1",
		"state-fault", "state-ready",
	}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %q, want %q", got, want)
	}
}

func TestSmall(t *testing.T) {
	var total int64
	for _, n := range Names() {
		fi, err := fs.Stat(FS, n+".wav")
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() < 1000 {
			t.Errorf("%s.wav is only %d bytes", n, fi.Size())
		}
		total += fi.Size()
	}
	if total > 600<<10 {
		t.Fatalf("built-in prompts take %d bytes, the budget is 600 kB", total)
	}
}
