package files

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEndSession(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, nil)
	if _, err := ts.FetchTemp(context.Background(), "s1", as.URL+"/a/14.wav"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.FetchTemp(context.Background(), "s2", as.URL+"/a/14.wav"); err != nil {
		t.Fatal(err)
	}
	ts.recs.add(t, "2025/r1.wav", makeWAV(50))
	rp := ts.AddRecording("s1", "ivr_000006_1602234901218.wav", "2025/r1.wav")
	if rp.String() != ":TEMP/ivr_records/ivr_000006_1602234901218.wav" {
		t.Errorf("recording path %v", rp)
	}
	ts.EndSession("s1")
	if exists(filepath.Join(ts.temp, "s1")) {
		t.Error("the temp folder of s1 is still there")
	}
	if !ts.recs.wasDeleted("2025/r1.wav") {
		t.Error("the recording was not deleted")
	}
	if !exists(filepath.Join(ts.temp, "s2", "14.wav")) {
		t.Error("s2's file went with s1")
	}
	if _, err := ts.PromptName("s1", Path{Temp, "14.wav"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("PromptName after EndSession: %v; want ErrNotFound", err)
	}
	ts.EndSession("s1") // again: nothing
	ts.EndSession("never")
}

func TestTempLinkOutlivesSession(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, nil)
	ctx := context.Background()
	p, err := ts.FetchTemp(ctx, "s1", as.URL+"/a/14.wav")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.FetchTemp(ctx, "s1", as.URL+"/tone.mp3"); err != nil { // no link: goes at once
		t.Fatal(err)
	}
	link, _, err := ts.Link("s1", p, base)
	if err != nil {
		t.Fatal(err)
	}
	ts.clk.Add(time.Minute)
	link2, _, err := ts.Link("s1", p, base) // the last link expires a minute later
	if err != nil {
		t.Fatal(err)
	}
	ts.EndSession("s1")
	dir := filepath.Join(ts.temp, "s1")
	noLeftovers(t, dir, "14.wav")
	if ts.timer == nil {
		t.Error("no sweep timer for the file kept")
	}
	if r := ts.get(t, http.MethodGet, link); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "audio/wav" {
		t.Errorf("GET after EndSession: %d", r.StatusCode)
	}
	ts.clk.Add(4 * time.Minute) // the first link has expired, the second not
	ts.Sweep()
	if r := ts.get(t, http.MethodGet, link); r.StatusCode != http.StatusGone {
		t.Errorf("GET of the expired link: %d; want 410", r.StatusCode)
	}
	if r := ts.get(t, http.MethodGet, link2); r.StatusCode != http.StatusOK {
		t.Errorf("GET of the later link: %d", r.StatusCode)
	}
	ts.clk.Add(time.Minute)
	ts.Sweep()
	if exists(dir) {
		t.Error("the temp folder outlived its last link")
	}
	if ts.timer != nil {
		t.Error("the sweep timer is still set with nothing to sweep")
	}
}

func TestEndSessionDuringFetch(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, nil)
	errc := make(chan error, 1)
	go func() {
		_, err := ts.FetchTemp(context.Background(), "s1", as.URL+"/gated.wav")
		errc <- err
	}()
	<-as.slow
	ts.EndSession("s1")
	close(as.gate)
	if err := <-errc; !errors.Is(err, ErrNotFound) {
		t.Errorf("a fetch that outlived its session: %v; want ErrNotFound", err)
	}
	if exists(filepath.Join(ts.temp, "s1")) {
		t.Error("the fetch made a temp folder for an ended session")
	}
}

func TestRecordingLink(t *testing.T) {
	ts := newTestStore(t, nil)
	wav := makeWAV(80)
	ts.recs.add(t, "calls/r1.wav", wav)
	ts.recs.add(t, "calls/r2.wav", wav)
	p1 := ts.AddRecording("s1", "r1.wav", "calls/r1.wav")
	p2 := ts.AddRecording("s1", "r2.wav", "calls/r2.wav")
	link, _, err := ts.Link("s1", p1, base)
	if err != nil {
		t.Fatal(err)
	}
	r := ts.get(t, http.MethodGet, link)
	if r.StatusCode != http.StatusOK || string(body(t, r)) != string(wav) ||
		r.Header.Get("Content-Disposition") != "attachment; filename=r1.wav" {
		t.Fatalf("GET: %d %v", r.StatusCode, r.Header)
	}
	if _, err := ts.PromptName("s1", p1); !errors.Is(err, ErrUnsupported) {
		t.Errorf("PromptName of a recording: %v; want ErrUnsupported", err)
	}
	ts.EndSession("s1")
	if !ts.recs.wasDeleted("calls/r2.wav") || ts.recs.wasDeleted("calls/r1.wav") {
		t.Errorf("deleted %v; want r2 only", ts.recs.deleted)
	}
	if _, _, err := ts.Link("s1", p2, base); !errors.Is(err, ErrNotFound) {
		t.Errorf("Link to a deleted recording: %v", err)
	}
	if _, _, err := ts.Link("s1", p1, base); err != nil { // still kept for its link
		t.Errorf("Link to a kept recording: %v", err)
	}
	if r := ts.get(t, http.MethodGet, link); r.StatusCode != http.StatusOK {
		t.Errorf("GET after EndSession: %d", r.StatusCode)
	}
	ts.clk.Add(DefaultLinkTTL)
	ts.Sweep()
	if !ts.recs.wasDeleted("calls/r1.wav") {
		t.Error("the recording outlived its links")
	}
}

func TestRecordingPromptName(t *testing.T) {
	recs := namingRecordings{newFakeRecordings(t)}
	ts := newTestStore(t, func(o *Options) { o.Recordings = recs })
	recs.add(t, "r.wav", makeWAV(20))
	p := ts.AddRecording("s1", "my rec.wav", "r.wav")
	if p.Rel != "ivr_records/my_rec.wav" {
		t.Errorf("path %v", p)
	}
	name, err := ts.PromptName("s1", p)
	if err != nil || name != filepath.Join(recs.dir, "r.wav") {
		t.Errorf("PromptName = %q, %v", name, err)
	}
	if q := ts.AddRecording("s1", "my rec.wav", "other.wav"); q.Rel != "ivr_records/my_rec-2.wav" {
		t.Errorf("a second recording of the same name: %v", q)
	}
	if q := ts.AddRecording("s1", "my rec.wav", "r.wav"); q != p {
		t.Errorf("the same recording again: %v", q)
	}
}

func TestAddRecordingRefused(t *testing.T) {
	ts := newTestStore(t, nil)
	for _, c := range [][2]string{{"../x", "r.wav"}, {"", "r.wav"}, {"s1", "../r.wav"}, {"s1", "/abs.wav"}, {"s1", ""}} {
		if p := ts.AddRecording(c[0], "r.wav", c[1]); p != (Path{}) {
			t.Errorf("AddRecording(%q, %q) = %v; want the zero Path", c[0], c[1], p)
		}
	}
	none := newTestStore(t, func(o *Options) { o.Recordings = nil })
	if p := none.AddRecording("s1", "r.wav", "r.wav"); p != (Path{}) {
		t.Errorf("without Recordings: %v", p)
	}
}

func TestPromptNameStatic(t *testing.T) {
	ts := newTestStore(t, nil)
	ts.writeStatic(t, GSPub, "x/y/14.mp3", readMP3(t))
	name, err := ts.PromptName("", Path{GSPub, "x/y/14.mp3"})
	if err != nil || name != "ivrapi/globalshare_public/x/y/14.mp3" {
		t.Errorf("PromptName = %q, %v", name, err)
	}
	for _, p := range []Path{{GSPub, "x/y/none.mp3"}, {GSPub, "x/y"}, {GSDom, "x/y/14.mp3"}, {GSPub, "x/y/14.mp3/z"}} {
		if _, err := ts.PromptName("", p); !errors.Is(err, ErrNotFound) {
			t.Errorf("PromptName(%v): %v; want ErrNotFound", p, err)
		}
	}
	if _, err := ts.PromptName("", Path{GSPub, ""}); !errors.Is(err, ErrBadPath) {
		t.Errorf("PromptName of a root: %v; want ErrBadPath", err)
	}
	if _, err := ts.PromptName("a/b", Path{Temp, "x.wav"}); !errors.Is(err, ErrBadPath) {
		t.Errorf("PromptName with a bad session: %v; want ErrBadPath", err)
	}
}

func TestSymlinkOut(t *testing.T) {
	ts := newTestStore(t, nil)
	outside := filepath.Join(t.TempDir(), "secret.wav")
	if err := os.WriteFile(outside, makeWAV(20), 0o644); err != nil {
		t.Fatal(err)
	}
	ts.writeStatic(t, GSPub, "ok.wav", makeWAV(20))
	ts.writeStatic(t, GSDom, "other.wav", makeWAV(20))
	for name, to := range map[string]string{
		"abs.wav":   outside,
		"rel.wav":   "../../../../" + filepath.Base(filepath.Dir(outside)) + "/secret.wav",
		"other.wav": "../globalshare_domain_data/other.wav", // another storage
		"in.wav":    "ok.wav",
	} {
		if err := os.Symlink(to, ts.staticFile(GSPub, name)); err != nil {
			if os.Getenv("CI") == "true" { // CI runs on Linux, where symbolic links always work
				t.Fatalf("symlink: %v", err)
			}
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	for _, name := range []string{"abs.wav", "rel.wav", "other.wav"} {
		if _, err := os.Stat(ts.staticFile(GSPub, name)); err != nil {
			t.Fatalf("the link %s leads nowhere: %v", name, err)
		}
		p := Path{GSPub, name}
		if _, err := ts.PromptName("", p); !errors.Is(err, ErrNotFound) {
			t.Errorf("PromptName of a link out (%s): %v; want ErrNotFound", name, err)
		}
		if _, _, err := ts.Link("", p, base); !errors.Is(err, ErrNotFound) {
			t.Errorf("Link to a link out (%s): %v; want ErrNotFound", name, err)
		}
		forged := ts.sign(target{kind: kindStatic, a: GSPub, b: name}, ts.clk.Now().Add(time.Minute))
		if r := ts.get(t, http.MethodGet, base+LinkPrefix+forged); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET through a link out (%s): %d; want 404", name, r.StatusCode)
		}
	}
	if _, err := ts.PromptName("", Path{GSPub, "in.wav"}); err != nil {
		t.Errorf("a link inside the storage: %v", err)
	}
}

func TestNewAndClose(t *testing.T) {
	base := t.TempDir()
	temp := filepath.Join(base, "temp")
	leftover := filepath.Join(temp, "old-session", "x.wav")
	if err := os.MkdirAll(filepath.Dir(leftover), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(leftover, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	recs := newFakeRecordings(t)
	s, err := New(Options{PromptDir: filepath.Join(base, "prompts"), TempDir: temp, Recordings: recs})
	if err != nil {
		t.Fatal(err)
	}
	if exists(leftover) {
		t.Error("New left the leftovers of before")
	}
	recs.add(t, "r.wav", makeWAV(10))
	s.AddRecording("s1", "r.wav", "r.wav")
	as := newAudioServer(t)
	if _, err := s.FetchTemp(context.Background(), "s1", as.URL+"/a/14.wav"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	noLeftovers(t, temp)
	if !recs.wasDeleted("r.wav") {
		t.Error("Close kept a session's recording")
	}
	if s.timer != nil {
		t.Error("Close left the sweep timer")
	}
	if _, err := s.FetchTemp(context.Background(), "s1", as.URL+"/a/14.wav"); !errors.Is(err, ErrClosed) {
		t.Errorf("FetchTemp after Close: %v; want ErrClosed", err)
	}
}

func TestNewRefused(t *testing.T) {
	dir := t.TempDir()
	for name, o := range map[string]Options{
		"no dirs":          {},
		"temp holds store": {PromptDir: filepath.Join(dir, "t", "p"), TempDir: filepath.Join(dir, "t")},
		"same":             {PromptDir: dir, TempDir: dir},
		"root":             {PromptDir: dir, TempDir: "/"},
		"short secret":     {PromptDir: filepath.Join(dir, "p"), TempDir: filepath.Join(dir, "t"), Secret: []byte("short")},
	} {
		if s, err := New(o); err == nil {
			_ = s.Close()
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}

func TestCloseStopsFetch(t *testing.T) {
	as := newAudioServer(t)
	ts := newTestStore(t, nil)
	errc := make(chan error, 1)
	go func() {
		_, err := ts.FetchTemp(context.Background(), "s1", as.URL+"/slow.wav")
		errc <- err
	}()
	<-as.slow // the fetch is under way
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("the fetch ended with %v; want ErrClosed", err)
	}
}
