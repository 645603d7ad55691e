package store

import (
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

func TestCurrentSwappedByEveryCommit(t *testing.T) {
	tests := []struct {
		name   string
		commit func(s *Store) error
		check  func(c *config.Config) bool
	}{
		{"Update", func(s *Store) error {
			return s.Update(func(c *config.Config) error {
				c.System.MaxCalls = 7
				c.IVRs[0].Prompts[0] = "changed"
				return nil
			})
		}, func(c *config.Config) bool { return c.System.MaxCalls == 7 && c.IVRs[0].Prompts[0] == "changed" }},
		{"Replace", func(s *Store) error {
			return s.Replace(config.Config{Version: config.SchemaVersion,
				IVRs: []config.IVR{{Number: "100", Prompts: []string{"ok"}}}})
		}, func(c *config.Config) bool { return len(c.IVRs) == 1 && c.IVRs[0].Number == "100" }},
		{"ResetToDefaults", func(s *Store) error {
			if err := s.Update(func(c *config.Config) error { c.System.MaxCalls = 3; return nil }); err != nil {
				return err
			}
			return s.ResetToDefaults()
		}, func(c *config.Config) bool { return reflect.DeepEqual(*c, withSN(config.Defaults(), c.System.SN)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openT(t, tempPath(t))
			before := s.Current()
			if s.Current() != before {
				t.Fatal("Current changed without a commit")
			}
			want := withSN(config.Defaults(), s.SN())
			if !reflect.DeepEqual(*before, want) {
				t.Fatalf("Current = %+v, want the defaults", *before)
			}
			if err := tt.commit(s); err != nil {
				t.Fatal(err)
			}
			after := s.Current()
			if after == before || !tt.check(after) || after.System.SN != s.SN() {
				t.Errorf("Current after %s = %+v", tt.name, *after)
			}
			if !reflect.DeepEqual(*before, want) {
				t.Errorf("the snapshot taken before %s changed: %+v", tt.name, *before)
			}
			if got := s.Config(); !reflect.DeepEqual(got, *after) {
				t.Errorf("Config = %+v, Current = %+v", got, *after)
			}
		})
	}
}

func TestCurrentUnchangedByFailedUpdateAndCopies(t *testing.T) {
	s := openT(t, tempPath(t))
	cur := s.Current()
	want := cur.Clone()

	// A copy from Config is the caller's own.
	c := s.Config()
	c.IVRs[0].Prompts[0] = "edited copy"
	c.IVRs[0].Keys["1"] = config.Action{Type: config.ActHangup}

	// A failed Update swaps nothing in.
	if err := s.Update(func(c *config.Config) error { c.IVRs[1].Number = "65a1"; return nil }); err == nil {
		t.Fatal("an invalid config was accepted")
	}
	// fn keeping its pointer and writing through it later cannot reach the
	// shared snapshot.
	var kept *config.Config
	if err := s.Update(func(c *config.Config) error { kept = c; c.System.MaxCalls = 9; return nil }); err != nil {
		t.Fatal(err)
	}
	next := s.Current()
	kept.IVRs[0].Prompts[0] = "written after Update returned"
	kept.System.MaxCalls = 1

	if !reflect.DeepEqual(*cur, want) {
		t.Errorf("the old snapshot changed: %+v", *cur)
	}
	if next.IVRs[0].Prompts[0] != config.PromptNotice || next.System.MaxCalls != 9 {
		t.Errorf("the new snapshot was reached through fn's pointer: %+v", *next)
	}
}

func TestCurrentConcurrentWithUpdates(t *testing.T) {
	s := openT(t, tempPath(t))
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := range 20 {
			if err := s.Update(func(c *config.Config) error { c.System.MaxCalls = n + 1; return nil }); err != nil {
				t.Error(err)
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			last := 0
			for range 200 {
				c := s.Current()
				if c.System.MaxCalls < last || c.IVRs[0].Prompts[0] != config.PromptNotice {
					t.Errorf("snapshot went back or is torn: %d after %d", c.System.MaxCalls, last)
					return
				}
				last = c.System.MaxCalls
			}
		})
	}
	wg.Wait()
	if got := s.Current().System.MaxCalls; got != 20 {
		t.Errorf("MaxCalls = %d, want 20", got)
	}
}

// BenchmarkCurrent is the per-event cost of reading the config through the
// shared snapshot; BenchmarkConfig the same through a deep copy.
func BenchmarkCurrent(b *testing.B) {
	s := openBench(b)
	b.ReportAllocs()
	for b.Loop() {
		if s.Current().System.SN == "" {
			b.Fatal("no serial")
		}
	}
}

func BenchmarkConfig(b *testing.B) {
	s := openBench(b)
	b.ReportAllocs()
	for b.Loop() {
		if s.Config().System.SN == "" {
			b.Fatal("no serial")
		}
	}
}

func openBench(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "ivrbox.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}
