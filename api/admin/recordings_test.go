package admin

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/cdr"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/record"
	"github.com/ivrbox/ivrbox/media/stream"
)

// recWAV is a recording file's content (a real WAV from the test tones).
var recWAV = toneWAV(440, 300)

const recPath = "2025/03/01/1700000000.1-r1.wav"

func TestRecordingFiles(t *testing.T) {
	other := []byte("RIFF----WAVEother")
	e := newEnv(t, envOpts{recFiles: map[string][]byte{recPath: recWAV, "2025/03/01/1700000000.2-r1.wav": other}})
	me := e.login()

	var u recordingsJSON
	e.do(me, "GET", "recordings", nil).want(t, http.StatusOK).decode(t, &u)
	if u != (recordingsJSON{UsedBytes: int64(len(recWAV) + len(other))}) {
		t.Errorf("usage %+v", u)
	}
	e.do(me, "PUT", "system", map[string]any{"name": "x", "recording": map[string]int{"max_mb": 5}}).want(t, http.StatusOK)
	e.do(me, "GET", "recordings", nil).want(t, http.StatusOK).decode(t, &u)
	if u.LimitBytes != 5<<20 {
		t.Errorf("limit %d", u.LimitBytes)
	}

	// The file, whole, in ranges, as an attachment, and HEAD.
	r := e.do(me, "GET", "recordings/"+recPath, nil).want(t, http.StatusOK)
	if !bytes.Equal(r.body, recWAV) || r.h.Get("Content-Type") != "audio/wav" || r.h.Get("Accept-Ranges") != "bytes" ||
		r.h.Get("Content-Disposition") != "" || !strings.Contains(r.h.Get("Content-Security-Policy"), "media-src 'self'") {
		t.Errorf("GET: %d bytes, headers %v", len(r.body), r.h)
	}
	r = e.do(as{cookie: me.cookie, header: http.Header{"Range": {"bytes=0-3"}}}, "GET", "recordings/"+recPath, nil).
		want(t, http.StatusPartialContent)
	if string(r.body) != "RIFF" || r.h.Get("Content-Range") != "bytes 0-3/"+strconv.Itoa(len(recWAV)) {
		t.Errorf("range: %q %v", r.body, r.h)
	}
	r = e.do(me, "GET", "recordings/"+recPath+"?download=1", nil).want(t, http.StatusOK)
	if cd := r.h.Get("Content-Disposition"); cd != `attachment; filename=1700000000.1-r1.wav` {
		t.Errorf("Content-Disposition %q", cd)
	}
	e.do(me, "GET", "recordings/"+recPath+"?download=yes", nil).want(t, http.StatusBadRequest)
	if r = e.do(me, "HEAD", "recordings/"+recPath, nil).want(t, http.StatusOK); len(r.body) != 0 {
		t.Errorf("HEAD body %d bytes", len(r.body))
	}

	// Delete: gone, the space is freed.
	e.do(me, "DELETE", "recordings/"+recPath, nil).want(t, http.StatusNoContent)
	r = e.do(me, "GET", "recordings/"+recPath, nil).want(t, http.StatusNotFound)
	if !strings.Contains(r.errorText(t), "deleted?") {
		t.Errorf("message %q", r.errorText(t))
	}
	e.do(me, "HEAD", "recordings/"+recPath, nil).want(t, http.StatusNotFound)
	e.do(me, "DELETE", "recordings/"+recPath, nil).want(t, http.StatusNotFound)
	e.do(me, "GET", "recordings", nil).want(t, http.StatusOK).decode(t, &u)
	if u.UsedBytes != int64(len(other)) {
		t.Errorf("usage after delete %d, want %d", u.UsedBytes, len(other))
	}
	if _, err := os.Stat(filepath.Join(e.dir, "recordings", filepath.FromSlash(recPath))); !os.IsNotExist(err) {
		t.Errorf("the file is still there: %v", err)
	}
}

// TestRecordingPathsConfined: no name reaches a file outside the
// recordings folder, whether by "..", an absolute path, an encoded
// separator, a backslash, a control character or a symbolic link.
func TestRecordingPathsConfined(t *testing.T) {
	e := newEnv(t, envOpts{recFiles: map[string][]byte{recPath: recWAV}})
	me := e.login()
	secret := filepath.Join(e.dir, "secret.wav")
	if err := os.WriteFile(secret, []byte("RIFF secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(e.dir, "recordings", "link.wav")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(e.dir, "recordings", "dir.wav"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"../secret.wav", "..%2Fsecret.wav", "%2E%2E/secret.wav", "2025/../../secret.wav",
		"2025%2F..%2F..%2Fsecret.wav", "%2Fetc%2Fpasswd", "a%5C..%5Csecret.wav", "x%00.wav", "link.wav", "dir.wav",
		""} {
		for _, method := range []string{"GET", "DELETE"} {
			r := e.do(me, method, "recordings/"+p, nil)
			if r.code != http.StatusBadRequest && r.code != http.StatusNotFound || bytes.Contains(r.body, []byte("RIFF secret")) {
				t.Errorf("%s recordings/%s: %d %s", method, p, r.code, r.body)
			}
		}
	}
	if _, err := os.Stat(secret); err != nil {
		t.Errorf("the file outside was deleted: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(e.dir, "recordings", "link.wav")); err != nil {
		t.Errorf("the link was deleted: %v", err)
	}
	e.do(me, "GET", "recordings/"+recPath, nil).want(t, http.StatusOK)
}

func TestCheckRecordingPath(t *testing.T) {
	for p, ok := range map[string]bool{
		recPath: true, "x.wav": true, "a/b c.wav": true, "录音.wav": true,
		"": false, "/x.wav": false, "../x": false, "a/../x": false, "a/./x": false, "a//x": false, "a/": false,
		`a\x`: false, "a\x00": false, "a\nb": false, "\xff.wav": false, strings.Repeat("a", 1025): false,
	} {
		if err := checkRecordingPath(p); (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", p, err, ok)
		}
	}
}

// TestRecordingBusy: the file of a recording in progress is not deleted
// (409); once the recording ends it is.
func TestRecordingBusy(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	src := &sinkHolder{}
	rec, err := e.rec.Start(src, record.Spec{Format: record.In, CallID: "1700000000.5", Name: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	var u recordingsJSON
	e.do(me, "GET", "recordings", nil).want(t, http.StatusOK).decode(t, &u)
	if u.Active != 1 {
		t.Errorf("active %d", u.Active)
	}
	parts, _ := filepath.Glob(filepath.Join(e.dir, "recordings", "*", "*", "*", "1700000000.5-r1.wav.part"))
	if len(parts) != 1 {
		t.Fatalf("part files %v", parts)
	}
	rel, _ := filepath.Rel(filepath.Join(e.dir, "recordings"), parts[0])
	rel = filepath.ToSlash(rel)
	r := e.do(me, "DELETE", "recordings/"+rel, nil).want(t, http.StatusConflict)
	if !strings.Contains(r.errorText(t), "being recorded") {
		t.Errorf("message %q", r.errorText(t))
	}
	res := rec.Stop(record.ReasonStopped)
	if len(res.Files) != 1 {
		t.Fatalf("result %+v", res)
	}
	e.do(me, "GET", "recordings/"+res.Files[0].Path, nil).want(t, http.StatusOK)
	e.do(me, "DELETE", "recordings/"+res.Files[0].Path, nil).want(t, http.StatusNoContent)
}

func TestNoRecordings(t *testing.T) {
	e := newEnv(t, envOpts{noRec: true})
	me := e.login()
	for _, m := range []string{"GET recordings", "GET recordings/" + recPath, "DELETE recordings/" + recPath} {
		method, path, _ := strings.Cut(m, " ")
		r := e.do(me, method, path, nil).want(t, http.StatusNotImplemented)
		if !strings.Contains(r.errorText(t), "does not record") {
			t.Errorf("%s: %q", m, r.errorText(t))
		}
	}
}

// sinkHolder is a stream that never sends a frame: a recording attached
// to it stays empty until stopped.
type sinkHolder struct {
	mu    sync.Mutex
	sinks []stream.Sink
}

func (s *sinkHolder) AddSink(k stream.Sink) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sinks = append(s.sinks, k)
	return nil
}

func (s *sinkHolder) RemoveSink(stream.Sink) {}

// TestRecordsListRecordings: a call record lists the recordings of its
// call, with the paths GET recordings/{path} serves.
func TestRecordsListRecordings(t *testing.T) {
	e := newEnv(t, envOpts{recFiles: map[string][]byte{recPath: recWAV}})
	me := e.login()
	for _, ev := range []event.Event{
		{Kind: event.CallStarted, CallID: "1700000000.1", Call: &event.Call{From: "1000", To: "6500"}},
		{Kind: event.RecordingFinished, CallID: "1700000000.1", Recording: &event.Recording{ID: "r1", Format: "stereo",
			Files: []string{recPath}, Duration: 0.3, Bytes: int64(len(recWAV)), Reason: "hangup"}},
		{Kind: event.CallEnded, CallID: "1700000000.1", Cause: "normal"},
	} {
		e.bus.Publish(ev)
	}
	var recs []struct {
		ID         string          `json:"id"`
		Recordings []cdr.Recording `json:"recordings"`
	}
	e.cdrRec.Close() // writes what it has
	e.do(me, "GET", "records", nil).want(t, http.StatusOK).decode(t, &recs)
	if len(recs) != 1 || len(recs[0].Recordings) != 1 {
		t.Fatalf("records %+v", recs)
	}
	want := cdr.Recording{ID: "r1", Format: "stereo", Files: []string{recPath}, Duration: 0.3, Bytes: int64(len(recWAV)), Reason: "hangup"}
	if got := recs[0].Recordings[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("recording %+v, want %+v", got, want)
	}
	e.do(me, "GET", "recordings/"+recs[0].Recordings[0].Files[0], nil).want(t, http.StatusOK)
}
