package store

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/config"
)

func TestOpenFresh(t *testing.T) {
	path := tempPath(t)
	s := openT(t, path)
	sn := s.SN()
	if !regexp.MustCompile(`^[1-9][0-9]{11}$`).MatchString(sn) {
		t.Errorf("SN = %q, want 12 digits", sn)
	}
	want := config.Defaults()
	want.System.SN = sn
	if got := s.Config(); !reflect.DeepEqual(got, want) {
		t.Errorf("Config = %+v, want the defaults", got)
	}
	stored, _ := config.Marshal(config.Defaults())
	if got := currentBytes(t, s); !bytes.Equal(got, stored) {
		t.Errorf("config/current =\n%s\nwant the defaults' export document (without sn)", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	d := dump(t, path)
	for _, b := range reserved {
		if _, ok := d[b]; !ok {
			t.Errorf("bucket %s missing", b)
		}
	}
	if d[BucketMeta]["schema"] != "2" || d[BucketMeta]["sn"] != sn {
		t.Errorf("meta = %v", d[BucketMeta])
	}

	// Reopening keeps the serial and the config.
	s2 := openT(t, path)
	if s2.SN() != sn || !reflect.DeepEqual(s2.Config(), want) {
		t.Errorf("reopened: sn %q, config %+v", s2.SN(), s2.Config())
	}
}

func TestSerial(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{make([]byte, 8), "100000000000"},
		{bytes.Repeat([]byte{0xff}, 8), "373709551615"}, // 100000000000 + (2^64-1) mod 900000000000
	}
	for _, tt := range tests {
		got, err := newSerial(bytes.NewReader(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("newSerial(%x) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	_, err := Open(tempPath(t), Options{Rand: bytes.NewReader([]byte{1, 2})})
	if err == nil || !strings.Contains(err.Error(), "store: generate serial") {
		t.Errorf("Open with a short Rand = %v", err)
	}
}

func TestUpdatePersists(t *testing.T) {
	path := tempPath(t)
	s := openT(t, path)
	err := s.Update(func(c *config.Config) error {
		c.System.Name = "front desk"
		c.IVRs[0].Keys["2"] = config.Action{Type: config.ActIVR, Target: "6502"}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(c config.Config) {
		t.Helper()
		if c.System.Name != "front desk" || c.IVRs[0].Keys["2"].Target != "6502" {
			t.Errorf("config = %+v", c)
		}
	}
	check(s.Config())
	sn := s.SN()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openT(t, path)
	check(s2.Config())
	if s2.Config().System.SN != sn {
		t.Error("serial changed")
	}
}

func TestUpdateFailureChangesNothing(t *testing.T) {
	s := openT(t, tempPath(t))
	before := currentBytes(t, s)
	cfg := s.Config()
	events, cancel := s.Subscribe()
	defer cancel()

	errMine := errors.New("mine")
	err := s.Update(func(c *config.Config) error {
		c.System.Name = "changed"
		return errMine
	})
	if !errors.Is(err, errMine) || !strings.HasPrefix(err.Error(), "store: update: ") {
		t.Errorf("fn error: %v", err)
	}
	err = s.Update(func(c *config.Config) error {
		c.IVRs[1].Number = "65a1"
		c.IVRs[2].Repeat = 1000
		return nil
	})
	probs := config.Problems(err)
	if len(probs) != 3 { // the number, the repeat, and 6500's key 1 pointing at the lost 6501
		t.Errorf("invalid update: %v", err)
	}
	if err := s.Replace(config.Config{Version: 1}); len(config.Problems(err)) != 1 {
		t.Errorf("invalid replace: %v", err)
	}
	if got := currentBytes(t, s); !bytes.Equal(got, before) {
		t.Errorf("config/current changed after failed writes:\n%s", got)
	}
	if !reflect.DeepEqual(s.Config(), cfg) {
		t.Error("in-memory config changed after failed writes")
	}
	select {
	case <-events:
		t.Error("notified of a failed write")
	default:
	}
}

func TestSNBelongsToTheStore(t *testing.T) {
	s := openT(t, tempPath(t))
	sn := s.SN()
	if err := s.Update(func(c *config.Config) error { c.System.SN = "111"; return nil }); err != nil {
		t.Fatal(err)
	}
	other, err := config.Import(mustMarshal(t, withSN(config.Defaults(), "222222222222")))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(other); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetToDefaults(); err != nil {
		t.Fatal(err)
	}
	if got := s.Config().System.SN; got != sn || s.SN() != sn {
		t.Errorf("SN = %q, want %q", got, sn)
	}
	if strings.Contains(string(currentBytes(t, s)), `"sn"`) {
		t.Error("config/current holds the serial")
	}
}

func TestCopiesAreIndependent(t *testing.T) {
	s := openT(t, tempPath(t))
	var kept *config.Config
	if err := s.Update(func(c *config.Config) error { kept = c; return nil }); err != nil {
		t.Fatal(err)
	}
	kept.IVRs[0].Prompts[0] = "mutated after Update"
	c := s.Config()
	c.IVRs[0].Keys["1"] = config.Action{Type: config.ActHangup}
	c.IVRs[1].Collect.HoldPrompts[0] = "mutated copy"

	r := config.Defaults()
	if err := s.Replace(r); err != nil {
		t.Fatal(err)
	}
	r.IVRs[0].Prompts[0] = "mutated after Replace"

	got := s.Config()
	if got.IVRs[0].Prompts[0] != config.PromptNotice || got.IVRs[0].Keys["1"].Type != config.ActIVR ||
		got.IVRs[1].Collect.HoldPrompts[0] != config.PromptHoldOn {
		t.Errorf("store config changed through a copy: %+v", got)
	}
}

func TestReplaceAndReset(t *testing.T) {
	path := tempPath(t)
	s := openT(t, path)
	c := config.Config{Version: config.SchemaVersion, IVRs: []config.IVR{{Number: "100", Prompts: []string{"ok"}}}}
	if err := s.Replace(c); err != nil {
		t.Fatal(err)
	}
	if got := s.Config(); len(got.IVRs) != 1 || got.IVRs[0].Number != "100" {
		t.Errorf("after Replace: %+v", got)
	}
	if err := s.ResetToDefaults(); err != nil {
		t.Fatal(err)
	}
	sn := s.SN()
	_ = s.Close()
	s2 := openT(t, path)
	if !reflect.DeepEqual(s2.Config(), withSN(config.Defaults(), sn)) {
		t.Errorf("after reset and reopen: %+v", s2.Config())
	}
}

func TestSubscribe(t *testing.T) {
	s := openT(t, tempPath(t))
	a, cancelA := s.Subscribe()
	b, cancelB := s.Subscribe()
	rename := func(name string) {
		t.Helper()
		if err := s.Update(func(c *config.Config) error { c.System.Name = name; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	rename("one")
	rename("two") // coalesced with the first for a slow reader
	for _, ch := range []<-chan struct{}{a, b} {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("no notification")
		}
		select {
		case <-ch:
			t.Error("two pending notifications; want them coalesced")
		default:
		}
	}
	cancelA()
	cancelA()
	if _, ok := <-a; ok {
		t.Error("cancelled channel not closed")
	}
	rename("three")
	if _, ok := <-b; !ok {
		t.Error("b closed too early")
	}
	_ = s.Close()
	if _, ok := <-b; ok {
		t.Error("Close did not close the channel")
	}
	cancelB()
	c, cancelC := s.Subscribe()
	if _, ok := <-c; ok {
		t.Error("Subscribe after Close returned an open channel")
	}
	cancelC()
}

func TestClose(t *testing.T) {
	s, err := Open(tempPath(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	for name, err := range map[string]error{
		"Update":          s.Update(func(*config.Config) error { return nil }),
		"Replace":         s.Replace(config.Defaults()),
		"ResetToDefaults": s.ResetToDefaults(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v", name, err)
		}
	}
	if s.Config().IVRs[0].Number != "6500" {
		t.Error("Config after Close lost the config")
	}
}

func TestLocked(t *testing.T) {
	path := tempPath(t)
	s := openT(t, path)
	_, err := Open(path, Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "another ivrbox") || !strings.Contains(err.Error(), path) {
		t.Errorf("second Open = %v, want ErrLocked", err)
	}
	_ = s.Close()
	openT(t, path) // free again
}

func TestConcurrentUse(t *testing.T) {
	s := openT(t, tempPath(t))
	events, cancel := s.Subscribe()
	defer cancel()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for n := range 10 {
				err := s.Update(func(c *config.Config) error {
					c.System.MaxCalls = w*100 + n + 1
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for range 50 {
				c := s.Config()
				c.IVRs[0].Prompts[0] = "reader's own copy"
			}
		})
	}
	wg.Go(func() {
		_ = s.DB().View(func(tx *bbolt.Tx) error { _ = tx.Bucket([]byte(BucketOutbox)).Stats(); return nil })
	})
	wg.Wait()
	select {
	case <-events:
	default:
		t.Error("no notification")
	}
	if s.Config().System.MaxCalls == 0 || s.Config().IVRs[0].Prompts[0] != config.PromptNotice {
		t.Errorf("config = %+v", s.Config().System)
	}
}

func withSN(c config.Config, sn string) config.Config {
	c.System.SN = sn
	return c
}

func mustMarshal(t *testing.T, c config.Config) []byte {
	t.Helper()
	b, err := config.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
