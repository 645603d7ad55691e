package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// baresipRun is one baresip process placing one call, with its own config
// directory; sndfile writes the audio it decodes to WAV files in dir.
type baresipRun struct {
	dir  string
	cmd  *exec.Cmd
	out  strings.Builder
	done chan error
}

// baresipConfig is a non-interactive baresip: no sound card (aubridge
// plays into nothing), a 1 kHz sine as the microphone (ausine), PCMU, and
// the srtp and sndfile modules.
const baresipConfig = `poll_method epoll
sip_listen 127.0.0.1:%d
audio_player aubridge,play
audio_source ausine,%d
ausrc_srate 48000
ausrc_channels 2
audio_alert aubridge,alert
rtp_ports %d-%d
module_path /usr/lib/baresip/modules
module g711.so
module aubridge.so
module ausine.so
module sndfile.so
module srtp.so
module_tmp account.so
module_app menu.so
snd_path %s
`

// baresip calls number on the box with media encryption mediaenc
// ("srtp-mand", "srtp" or "") for about secs seconds, then quits (hanging
// up).
func baresip(t *testing.T, b *box, number, mediaenc string, secs int) *baresipRun {
	t.Helper()
	sipptest.NeedTool(t, "baresip")
	r := &baresipRun{dir: t.TempDir(), done: make(chan error, 1)}
	rtp := sippMediaPort()
	cfg := fmt.Sprintf(baresipConfig, freePort(t), callerHz, rtp, rtp+3, r.dir)
	acct := "<sip:1000@127.0.0.1>;regint=0;audio_codecs=PCMU"
	if mediaenc != "" {
		acct += ";mediaenc=" + mediaenc
	}
	for name, body := range map[string]string{"config": cfg, "accounts": acct + "\n", "contacts": ""} {
		if err := os.WriteFile(filepath.Join(r.dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+30)*time.Second)
	t.Cleanup(cancel)
	r.cmd = exec.CommandContext(ctx, "baresip", "-f", r.dir, "-n", "127.0.0.1", "-4", "-t", fmt.Sprint(secs),
		"-e", fmt.Sprintf("/dial sip:%s@127.0.0.1:%d", number, b.sipPort))
	r.cmd.Dir = r.dir
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("baresip:\n%s", r.out.String())
		}
	})
	return r
}

// wait waits for baresip to quit.
func (r *baresipRun) wait(t *testing.T) {
	t.Helper()
	if err := <-r.done; err != nil {
		t.Fatalf("baresip: %v\n%s", err, r.out.String())
	}
}

// decoded returns the WAV file of the audio baresip decoded (sndfile's
// "-dec.wav").
func (r *baresipRun) decoded(t *testing.T) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(r.dir, "*dec*.wav"))
	if len(files) != 1 {
		all, _ := os.ReadDir(r.dir)
		t.Fatalf("decoded audio files %v in %v\nbaresip:\n%s", files, all, r.out.String())
	}
	return files[0]
}

// TestBaresipSRTP: baresip with SRTP mandatory (mediaenc=srtp-mand: an
// RTP/SAVP offer) calls the box, which requires SRTP: the IVR's 440 Hz
// prompt is in the audio baresip decoded, baresip's 1 kHz microphone is in
// the call's recording, and the box logs the encrypted media. Keys over
// SRTP are tested with a Go SRTP caller (TestSRTPKeys): baresip 1.0 takes
// digits only from its interactive console.
func TestBaresipSRTP(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, prompts: mediaPrompts, config: srtpConfig("required")})
	c := admin(t, b)
	r := baresip(t, b, "7100", "srtp-mand", 6)
	id := c.liveCall(10 * time.Second)
	r.wait(t)
	if out := r.out.String(); !strings.Contains(out, "SRTP is Enabled") || !strings.Contains(out, "receiving from 127.0.0.1:") {
		t.Errorf("baresip did not get SRTP from the box on loopback:\n%s", out)
	}
	b.waitLog(5*time.Second, "media encrypted")
	w := readWAV(t, r.decoded(t))
	if got := tones(w.channel(0)); got != "440" {
		t.Errorf("baresip decoded %q, want the 440 Hz prompt", got)
	}
	files := c.recordingFiles(id, 1)
	rec := readWAV(t, filepath.Join(b.dir, "recordings", files["stereo"][0]))
	if got := tones(rec.channel(0)); got != "1000" {
		t.Errorf("recorded caller channel holds %q, want baresip's 1000 Hz", got)
	}
}
