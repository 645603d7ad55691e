package disk

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/disk/smbtest"
	"github.com/ivrbox/ivrbox/media/prompt"
)

func paths(list []Entry) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Path
		if e.Dir {
			out[i] += "/"
		}
	}
	return out
}

// TestListStatsDown: listing shows folders and audio files only, confined to
// the disk's folder; the checker counts the files and reads the free space;
// a disk that is down answers ErrDown at once.
func TestListStatsDown(t *testing.T) {
	s := smbtest.Start(t)
	for _, f := range []string{"ivr/welcome.wav", "ivr/Menu.MP3", "ivr/sub/one.ulaw", "ivr/sub/deeper/two.wav",
		"ivr/.hidden.wav", "ivr/.git/x.wav", "outside.wav"} {
		s.WriteGuest(f, wav(440, 100))
	}
	s.WriteGuest("ivr/readme.txt", []byte("not audio"))
	m := New(Options{Prompts: prompt.New(prompt.Options{Builtin: emptyFS{}}), Interval: 200 * time.Millisecond,
		MaxBackoff: time.Second, Timeout: 2 * time.Second, StatsInterval: 200 * time.Millisecond})
	t.Cleanup(m.Close)
	m.Apply([]config.Disk{{Number: 3, Server: s.Addr, Share: smbtest.GuestShare, Folder: "ivr"}})
	waitState(t, m, 3, StateMounted)
	ctx := context.Background()

	tests := []struct {
		dir  string
		want []string
		err  error
	}{
		{"", []string{"sub/", "Menu.MP3", "welcome.wav"}, nil},
		{".", []string{"sub/", "Menu.MP3", "welcome.wav"}, nil},
		{"sub", []string{"sub/deeper/", "sub/one.ulaw"}, nil},
		{"sub/deeper", []string{"sub/deeper/two.wav"}, nil},
		{"nope", nil, fs.ErrNotExist},
		{"..", nil, ErrBadPath},
		{"../ivr", nil, ErrBadPath},
		{"sub/../..", nil, ErrBadPath},
		{"/etc", nil, ErrBadPath},
		{`sub\deeper`, nil, ErrBadPath},
		{"sub/", nil, ErrBadPath},
		{".git", nil, ErrBadPath},
		{"sub\x00", nil, ErrBadPath},
	}
	for _, tt := range tests {
		list, err := m.List(ctx, 3, tt.dir)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("List(%q) = %v, %v; want %v", tt.dir, paths(list), err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(paths(list), tt.want) {
			t.Errorf("List(%q) = %v, %v; want %v", tt.dir, paths(list), err, tt.want)
		}
	}
	list, _ := m.List(ctx, 3, "")
	if w := list[2]; !w.Audio || w.Name != "welcome.wav" || w.Size != int64(len(wav(440, 100))) || w.Modified.IsZero() {
		t.Errorf("entry %+v", w)
	}
	if _, err := m.List(ctx, 4, ""); !errors.Is(err, ErrNoDisk) {
		t.Errorf("List of an unmounted disk: %v", err)
	}
	audio, err := m.AudioFiles(ctx, 3)
	if want := []string{"Menu.MP3", "welcome.wav", "sub/one.ulaw"}; err != nil || !slices.Equal(paths(audio), want) {
		t.Errorf("AudioFiles = %v, %v; want %v", paths(audio), err, want)
	}

	deadline := time.Now().Add(20 * time.Second)
	for in := m.Info(3); in.AudioFiles == nil || *in.AudioFiles != 4 || in.FreeBytes == nil; in = m.Info(3) {
		if time.Now().After(deadline) {
			t.Fatalf("no file count or free space: %+v", in)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if free := *m.Info(3).FreeBytes; free <= 0 {
		t.Errorf("free bytes %d", free)
	}
	s.WriteGuest("ivr/sub/three.wav", wav(440, 100))
	for in := m.Info(3); *in.AudioFiles != 5; in = m.Info(3) {
		if time.Now().After(deadline) {
			t.Fatalf("the new file is not counted: %d", *in.AudioFiles)
		}
		time.Sleep(50 * time.Millisecond)
	}

	s.Stop()
	waitState(t, m, 3, StateError)
	start := time.Now()
	if _, err := m.List(ctx, 3, ""); !errors.Is(err, ErrDown) || !strings.Contains(err.Error(), "network disk 3") {
		t.Errorf("List while down: %v", err)
	}
	if _, err := m.AudioFiles(ctx, 3); !errors.Is(err, ErrDown) {
		t.Errorf("AudioFiles while down: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("a disk that is down took %v to answer", d)
	}
}

// TestListFrozen: a server that hangs gives ErrTimeout after the look-up
// timeout, before the checker notices.
func TestListFrozen(t *testing.T) {
	s := smbtest.Start(t)
	s.WriteGuest("a.wav", wav(440, 100))
	m := New(Options{Prompts: prompt.New(prompt.Options{Builtin: emptyFS{}}), Interval: time.Hour, Timeout: time.Second})
	t.Cleanup(m.Close)
	m.Apply([]config.Disk{{Number: 1, Server: s.Addr, Share: smbtest.GuestShare}})
	waitState(t, m, 1, StateMounted)
	s.Freeze()
	defer s.Thaw()
	start := time.Now()
	if _, err := m.AudioFiles(context.Background(), 1); !errors.Is(err, ErrTimeout) {
		t.Errorf("AudioFiles from a frozen server: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestCleanDir(t *testing.T) {
	for dir, ok := range map[string]bool{"": true, ".": true, "a": true, "a/b c": true, "a/b/": false, "/a": false,
		"a//b": false, "a/./b": false, "..": false, "a/..": false, `a\b`: false, ".x": false, "a/.x": false, "a\tb": false} {
		if _, err := cleanDir(dir); (err == nil) != ok {
			t.Errorf("cleanDir(%q) = %v", dir, err)
		}
	}
}
