package disk

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/disk/smbtest"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// wav is a 16-bit 8 kHz mono WAV of a hz tone lasting ms.
func wav(hz float64, ms int) []byte {
	n := 8 * ms
	pcm := make([]byte, 2*n)
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/8000))
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(v))
	}
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + len(pcm)))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(1))
	w(uint32(8000))
	w(uint32(16000))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(len(pcm)))
	b.Write(pcm)
	return b.Bytes()
}

type fakeSecrets map[string]string

func (f fakeSecrets) Secret(k string) (string, error) {
	if v, ok := f[k]; ok {
		return v, nil
	}
	return "", errors.New("no secret")
}

func newManager(t *testing.T, cache *prompt.Cache, secrets fakeSecrets, dir string) *Manager {
	m := New(Options{Prompts: cache, Secrets: secrets, CacheDir: dir,
		Interval: 200 * time.Millisecond, MaxBackoff: time.Second, Timeout: 2 * time.Second, ReadTimeout: 5 * time.Second,
		MaxFileBytes: 1 << 20})
	t.Cleanup(m.Close)
	return m
}

func waitState(t *testing.T, m *Manager, n int, state string) Info {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		in := m.Info(n)
		if in.State == state {
			return in
		}
		if time.Now().After(deadline) {
			t.Fatalf("disk %d: state %q (%s), want %q", n, in.State, in.Error, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestTest(t *testing.T) {
	s := smbtest.Start(t)
	m := newManager(t, prompt.New(prompt.Options{}), nil, "")
	ctx := context.Background()
	tests := []struct {
		name string
		d    config.Disk
		pw   string
		want error // nil: works
		msg  string
	}{
		{"guest", config.Disk{Number: 1, Server: s.Addr, Share: smbtest.GuestShare}, "", nil, ""},
		{"user", config.Disk{Number: 1, Server: s.Addr, Share: smbtest.SecureShare, User: smbtest.User}, smbtest.Password, nil, ""},
		{"wrong password", config.Disk{Number: 1, Server: s.Addr, Share: smbtest.SecureShare, User: smbtest.User}, "nope", ErrLogin, "log in"},
		{"guest on secure share", config.Disk{Number: 1, Server: s.Addr, Share: smbtest.SecureShare}, "", ErrShare, "share"},
		{"missing share", config.Disk{Number: 1, Server: s.Addr, Share: "nosuch"}, "", ErrShare, "nosuch"},
		{"missing folder", config.Disk{Number: 1, Server: s.Addr, Share: smbtest.GuestShare, Folder: "nope"}, "", nil, "folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := m.Test(ctx, tt.d, tt.pw)
			switch {
			case tt.want == nil && tt.msg == "" && err != nil:
				t.Fatalf("Test: %v", err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("Test: %v, want %v", err, tt.want)
			case tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg)):
				t.Fatalf("Test: %v, want it to say %q", err, tt.msg)
			}
			if err != nil && strings.Contains(err.Error(), tt.pw) && tt.pw != "" {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

func TestMountReadChangeCache(t *testing.T) {
	s := smbtest.Start(t)
	s.WriteSecure("ivr/welcome.wav", wav(440, 300))
	s.WriteSecure("ivr/readme.txt", []byte("not audio"))
	s.WriteSecure("ivr/big.wav", make([]byte, 2<<20))
	cacheDir := t.TempDir()
	cache := prompt.New(prompt.Options{Builtin: emptyFS{}})
	sec := fakeSecrets{PasswordKey(1): smbtest.Password}
	m := newManager(t, cache, sec, cacheDir)
	m.Apply([]config.Disk{{Number: 1, Server: s.Addr, Share: smbtest.SecureShare, Folder: "ivr", User: smbtest.User}})
	in := waitState(t, m, 1, StateMounted)
	if in.LastSeen.IsZero() {
		t.Error("no last_seen")
	}
	ctx := context.Background()
	a, err := cache.Get(ctx, "/tmp/media/networkdisk1/welcome")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if a.Duration() != 300*time.Millisecond {
		t.Fatalf("duration %v", a.Duration())
	}
	// bad input
	for name, want := range map[string]error{
		"/tmp/media/networkdisk1/../../etc/passwd": prompt.ErrBadName,
		"/tmp/media/networkdisk1/readme.txt":       prompt.ErrNotFound, // not an audio extension
		"/tmp/media/networkdisk1/readme.txt.wav":   prompt.ErrNotFound,
		"/tmp/media/networkdisk1/big.wav":          prompt.ErrTooLong,
		"/tmp/media/networkdisk1/missing":          prompt.ErrNotFound,
		"/tmp/media/networkdisk9/welcome":          prompt.ErrNotFound,
	} {
		if _, err := cache.Get(ctx, name); !errors.Is(err, want) {
			t.Errorf("Get(%s) = %v, want %v", name, err, want)
		}
	}
	if _, err := m.disks[1].Open(ctx, "big.wav"); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("Open big: %v", err)
	}
	// a changed file is picked up on its next use
	time.Sleep(10 * time.Millisecond)
	s.WriteSecure("ivr/welcome.wav", wav(440, 500))
	if a, err = cache.Get(ctx, "/tmp/media/networkdisk1/welcome"); err != nil || a.Duration() != 500*time.Millisecond {
		t.Fatalf("after change: %v %v", a.Duration(), err)
	}
	if in := m.Info(1); in.Files != 1 {
		t.Errorf("cached files = %d, want 1", in.Files)
	}

	// server down: error state, fault, the cached copy still serves a new cache (a restart)
	s.Stop()
	waitState(t, m, 1, StateError)
	if !m.Faulty() {
		t.Error("not faulty while down")
	}
	cache2 := prompt.New(prompt.Options{Builtin: emptyFS{}})
	m2 := newManager(t, cache2, sec, cacheDir)
	m2.Apply([]config.Disk{{Number: 1, Server: s.Addr, Share: smbtest.SecureShare, Folder: "ivr", User: smbtest.User}})
	if a, err = cache2.Get(ctx, "/tmp/media/networkdisk1/welcome"); err != nil || a.Duration() != 500*time.Millisecond {
		t.Fatalf("after restart, server down: %v %v", a, err)
	}
	m2.Close()

	// server back: recovers by itself, a new file plays
	s.Start()
	s.WriteSecure("ivr/new.wav", wav(1000, 200))
	waitState(t, m, 1, StateMounted)
	if _, err := cache.Get(ctx, "/tmp/media/networkdisk1/new"); err != nil {
		t.Fatalf("new file after recovery: %v", err)
	}
	if m.Faulty() {
		t.Error("still faulty")
	}
}

func TestFrozenServer(t *testing.T) {
	s := smbtest.Start(t)
	s.WriteGuest("a.wav", wav(440, 200))
	cache := prompt.New(prompt.Options{Builtin: emptyFS{}})
	m := newManager(t, cache, nil, t.TempDir())
	m.Apply([]config.Disk{{Number: 2, Server: s.Addr, Share: smbtest.GuestShare}})
	waitState(t, m, 2, StateMounted)
	ctx := context.Background()
	if _, err := cache.Get(ctx, "/tmp/media/networkdisk2/a"); err != nil {
		t.Fatal(err)
	}
	s.Freeze()
	defer s.Thaw()
	d := m.disks[2]
	start := time.Now()
	_, err := d.fetch(ctx, "a.wav")
	if err == nil || time.Since(start) > 15*time.Second {
		t.Fatalf("fetch from a frozen server: %v after %v", err, time.Since(start))
	}
	waitState(t, m, 2, StateError)
	// served from the local copy without waiting on the server
	rc, err := d.Open(ctx, "a.wav")
	if err != nil {
		t.Fatalf("Open while frozen: %v", err)
	}
	data, _ := io.ReadAll(rc)
	if !bytes.Equal(data, wav(440, 200)) {
		t.Error("cached copy differs")
	}
	if _, err := d.Stat(ctx, "never-cached.wav"); err == nil {
		t.Error("Stat of an uncached file on a frozen disk succeeded")
	}
	s.Thaw()
	waitState(t, m, 2, StateMounted)
	s.WriteGuest("b.wav", wav(800, 200))
	if _, err := cache.Get(ctx, "/tmp/media/networkdisk2/b"); err != nil {
		t.Fatalf("after thaw: %v", err)
	}
	res, err := m.Warm(ctx, 2)
	if err != nil || res.Files != 2 {
		t.Fatalf("Warm = %+v, %v", res, err)
	}
	if _, err := m.Warm(ctx, 5); !errors.Is(err, ErrNoDisk) {
		t.Errorf("Warm(5) = %v", err)
	}
}
